// Runs a bash completion script the way bash's programmable completion would, in a bash child
// with no rc files: the tests of every generated script (`hermes completion bash`,
// `hermes-gateway completion bash`, @hermes/cli-completion) ask it what a line completes to.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The words bash offers after typing `line` (split on spaces; its last word is the one being
 * completed), with `script` sourced and its function `fn` called as `complete -F` would.
 * Throws when bash reports an error or exits non-zero.
 * @param {string} script
 * @param {string} fn
 * @param {string} line
 * @returns {string[]}
 */
export function bashComplete(script, fn, line) {
  const words = line.split(" ");
  const program = `${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")})
COMP_CWORD=${words.length - 1}
${fn}
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync("bash", ["--norc", "--noprofile", "-c", program], { encoding: "utf8" });
  if (r.status !== 0 || r.stderr !== "")
    throw new Error(`bash exited ${r.status} completing ${JSON.stringify(line)}: ${r.stderr}`);
  return r.stdout.split("\n").filter((w) => w !== "");
}

/**
 * The shell's own syntax check of a generated script (`zsh -n`, `fish --no-execute`), read from
 * a file (fish cannot read a script from the socket Node gives a child as stdin). Null when that
 * shell is not installed; else its exit status and stderr.
 * @param {string} shell
 * @param {string} checkFlag
 * @param {string} script
 * @returns {{ status: number | null, stderr: string } | null}
 */
export function shellSyntaxCheck(shell, checkFlag, script) {
  if (spawnSync(shell, ["-c", "exit 0"], { stdio: "ignore" }).status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), "completion-syntax-"));
  try {
    const file = join(dir, `completion.${shell}`);
    writeFileSync(file, script);
    const r = spawnSync(shell, [checkFlag, file], { encoding: "utf8" });
    return { status: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
