// What a built bin loads, observed from outside: a `--require` preload that reports, when the
// process exits, every CommonJS file it read (through fs.readFileSync: Node's CommonJS loader, a
// code-cache loader) and the Node builtins it loaded. For tests that check a bin's start-up
// structure (what is loaded for which command), not its timing.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const PRELOAD = [
  'const fs = require("node:fs");',
  "const read = new Set();",
  "const readFileSync = fs.readFileSync;",
  "fs.readFileSync = function (path, ...rest) {",
  '  if (typeof path === "string" && path.endsWith(".cjs")) read.add(path);',
  "  return readFileSync.call(this, path, ...rest);",
  "};",
  'process.on("exit", () => {',
  '  process._rawDebug("LOADED " + JSON.stringify([...read]));',
  '  process._rawDebug("BUILTINS " + JSON.stringify(process.moduleLoadList));',
  "});",
].join("\n");

/**
 * Writes the preload into `dir` and returns its path: run the bin as
 * `node --require <path> <bin> …` (or with `NODE_OPTIONS=--require <path>`).
 * @param {string} dir
 * @returns {string}
 */
export function writeLoadReporter(dir) {
  const path = join(dir, "report-loaded.cjs");
  writeFileSync(path, PRELOAD);
  return path;
}

/**
 * What the preload reported on the process's stderr: the `.cjs` files read (absolute paths, in
 * the order first read) and the builtins loaded; null when it reported nothing (it did not run,
 * or the process was killed).
 * @param {string} stderr
 * @returns {{ files: string[], builtins: string[] } | null}
 */
export function reportedLoads(stderr) {
  const line = (tag) => stderr.split("\n").find((l) => l.startsWith(`${tag} `));
  const files = line("LOADED");
  const builtins = line("BUILTINS");
  if (files === undefined || builtins === undefined) return null;
  return {
    files: JSON.parse(files.slice("LOADED ".length)),
    builtins: JSON.parse(builtins.slice("BUILTINS ".length)),
  };
}
