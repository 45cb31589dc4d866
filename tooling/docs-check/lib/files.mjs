// The files of the repository the docs check reads: a walk of the working tree that skips
// what is generated or installed (node_modules, dist, caches) and what is not text we wrote.
import { readdirSync } from "node:fs";
import { extname, join } from "node:path";

/** Folders that hold no file of ours. */
const SKIPPED_DIRS = new Set([
  ".git",
  ".turbo",
  "node_modules",
  "dist",
  "coverage",
  ".changeset-cache",
]);

/** Files that are generated and large; nothing in them is a reference a person wrote. */
const SKIPPED_FILES = new Set(["pnpm-lock.yaml"]);

/** Extensions of the text files that can hold a reference to the docs. */
const TEXT_EXTENSIONS = new Set([
  ".md",
  ".ts",
  ".mts",
  ".cts",
  ".js",
  ".mjs",
  ".cjs",
  ".py",
  ".json",
  ".yaml",
  ".yml",
  ".sh",
  ".service",
]);

/**
 * Every text file under `root`, as paths relative to it (`/`-separated), sorted.
 * @param {string} root
 * @returns {string[]}
 */
export function listTextFiles(root) {
  /** @type {string[]} */
  const out = [];
  /** @param {string} rel */
  const walk = (rel) => {
    const entries = readdirSync(join(root, rel), { withFileTypes: true });
    for (const entry of entries) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(path);
      } else if (entry.isFile() && !SKIPPED_FILES.has(entry.name)) {
        if (TEXT_EXTENSIONS.has(extname(entry.name))) out.push(path);
      }
    }
  };
  walk("");
  return out.sort();
}
