/**
 * The words bash offers after typing `line` (split on spaces; its last word is the one being
 * completed), with `script` sourced and its function `fn` called as `complete -F` would.
 * Throws when bash reports an error or exits non-zero.
 */
export declare function bashComplete(script: string, fn: string, line: string): string[];
