/**
 * The words bash offers after typing `line` (split on spaces; its last word is the one being
 * completed), with `script` sourced and its function `fn` called as `complete -F` would.
 * Throws when bash reports an error or exits non-zero.
 */
export declare function bashComplete(script: string, fn: string, line: string): string[];

/**
 * The shell's own syntax check of a generated script (`zsh -n`, `fish --no-execute`), read from
 * a file. Null when that shell is not installed; else its exit status and stderr.
 */
export declare function shellSyntaxCheck(
  shell: string,
  checkFlag: string,
  script: string,
): { status: number | null; stderr: string } | null;
