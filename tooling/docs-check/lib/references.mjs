// The checks over references: every `docs/…md#anchor` written anywhere (code comments,
// tests, READMEs), every relative Markdown link, and no pointer left at a contract that lives
// outside the repository.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { listTextFiles } from "./files.mjs";
import { anchorsOf, linksOf } from "./markdown.mjs";

/**
 * @typedef {{ file: string; line: number; message: string }} Problem
 */

/**
 * Basenames of the contract pages: a bare mention of one of them must be a path that resolves.
 * Built with a template so that this file does not report itself.
 */
const CONTRACT_PAGES = new Set(["relay", "photon", "hermes-home"].map((name) => `${name}.md`));

/**
 * Pointers at the old, external contract: it is not in the repository, so none can resolve.
 * Built from parts so that this file does not report itself.
 */
const EXTERNAL_NAMES = [["relay", "contract.md"].join("-"), ["shared", "spec"].join("/")];

/** @param {number} c */
function isPathChar(c) {
  return (
    (c >= 0x30 && c <= 0x39) || // 0-9
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x61 && c <= 0x7a) || // a-z
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x2f || // /
    c === 0x5f // _
  );
}

/** @param {number} c */
function isAnchorChar(c) {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f;
}

/**
 * Lazily read files and their anchors, once each.
 * @param {string} root
 */
function createIndex(root) {
  /** @type {Map<string, Set<string>>} */
  const anchors = new Map();
  return {
    /** @param {string} abs */
    anchorsOf(abs) {
      let found = anchors.get(abs);
      if (found === undefined) {
        found = anchorsOf(readFileSync(abs, "utf8"));
        anchors.set(abs, found);
      }
      return found;
    },
    /** @param {string} abs */
    display(abs) {
      return relative(root, abs).split(sep).join("/");
    },
  };
}

/**
 * The nearest folder at or above `dir` (inside `root`) that holds a package.json.
 * @param {string} root
 * @param {string} dir
 */
function packageRootOf(root, dir) {
  let at = dir;
  while (at.startsWith(root) && at !== root) {
    if (existsSync(join(at, "package.json"))) return at;
    at = dirname(at);
  }
  return root;
}

/**
 * Check one target (a path, maybe with `#anchor`) against the files it may mean.
 * @param {ReturnType<typeof createIndex>} index
 * @param {string[]} candidates absolute paths, in the order they are tried
 * @param {string} anchor "" when none
 * @returns {string | null} the problem, or null when it resolves
 */
function resolveTarget(index, candidates, anchor) {
  const hit = candidates.find((abs) => existsSync(abs));
  if (hit === undefined)
    return `no such file: ${candidates.map((c) => index.display(c)).join(" or ")}`;
  if (anchor === "" || !hit.endsWith(".md") || !statSync(hit).isFile()) return null;
  if (index.anchorsOf(hit).has(anchor)) return null;
  return `no heading with anchor #${anchor} in ${index.display(hit)}`;
}

/**
 * Bare references in any text file: a path ending in `.md` that goes through a `docs/` folder
 * or names one of the contract pages (relay, photon, hermes-home), optionally followed by
 * `#anchor`. Link texts (`[name.md](…)`) are left to the link check. A path starting with `./` or `../` is relative to the file; any other is tried
 * against the repository root, then the file's package, then the file's folder.
 * @param {string} root
 * @param {string} file repository-relative
 * @param {string} text
 * @param {ReturnType<typeof createIndex>} index
 * @returns {Problem[]}
 */
function checkBareReferences(root, file, text, index) {
  /** @type {Problem[]} */
  const problems = [];
  const dir = dirname(join(root, file));
  let at = text.indexOf(".md");
  while (at !== -1) {
    const end = at + 3;
    const next = end < text.length ? text.charCodeAt(end) : 0;
    if (isPathChar(next) && next !== 0x2e && next !== 0x2f) {
      at = text.indexOf(".md", end);
      continue;
    }
    let start = at;
    while (start > 0 && isPathChar(text.charCodeAt(start - 1))) start--;
    const path = text.slice(start, end);
    const base = path.slice(path.lastIndexOf("/") + 1);
    const before = start > 0 ? text[start - 1] : "";
    const relevant = path.includes("docs/") || CONTRACT_PAGES.has(base);
    const skipped = before === ":" || before === "[" || path.startsWith("/") || path.includes("//");
    if (relevant && !skipped) {
      let anchorEnd = end;
      if (text[end] === "#") {
        anchorEnd = end + 1;
        while (anchorEnd < text.length && isAnchorChar(text.charCodeAt(anchorEnd))) anchorEnd++;
      }
      const anchor = anchorEnd > end + 1 ? text.slice(end + 1, anchorEnd) : "";
      const candidates =
        path.startsWith("./") || path.startsWith("../")
          ? [join(dir, path)]
          : [...new Set([join(root, path), join(packageRootOf(root, dir), path), join(dir, path)])];
      const problem = resolveTarget(index, candidates, anchor);
      if (problem !== null) {
        const line = text.slice(0, start).split("\n").length;
        problems.push({ file, line, message: `${path}${anchor ? `#${anchor}` : ""}: ${problem}` });
      }
    }
    at = text.indexOf(".md", end);
  }
  return problems;
}

/**
 * Relative links of a Markdown file: the file (or folder) must exist, and an anchor into a
 * Markdown file must be one of its headings. Links with a scheme (`https:`, `mailto:`) are
 * not followed.
 * @param {string} root
 * @param {string} file
 * @param {string} text
 * @param {ReturnType<typeof createIndex>} index
 * @returns {Problem[]}
 */
function checkMarkdownLinks(root, file, text, index) {
  /** @type {Problem[]} */
  const problems = [];
  const abs = join(root, file);
  for (const { line, target } of linksOf(text)) {
    if (hasScheme(target) || target.startsWith("//")) continue;
    const hash = target.indexOf("#");
    const rawPath = hash === -1 ? target : target.slice(0, hash);
    const anchor = hash === -1 ? "" : target.slice(hash + 1);
    let path = rawPath;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      // Keep it as written: a malformed escape then fails to resolve and is reported.
    }
    const candidate =
      path === "" ? abs : path.startsWith("/") ? join(root, path) : join(dirname(abs), path);
    const problem = resolveTarget(index, [candidate], anchor);
    if (problem !== null) problems.push({ file, line, message: `link ${target}: ${problem}` });
  }
  return problems;
}

/** @param {string} target */
function hasScheme(target) {
  const colon = target.indexOf(":");
  if (colon <= 0) return false;
  for (let i = 0; i < colon; i++) {
    const c = target.charCodeAt(i);
    const ok =
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      (i > 0 && (isPathChar(c) || c === 0x2b));
    if (!ok) return false;
  }
  return true;
}

/**
 * Pointers at the external contract (its file names, numbered `§` sections) and at upstream
 * seed files a reader cannot open.
 * @param {string} file
 * @param {string} text
 * @returns {Problem[]}
 */
function checkExternalPointers(file, text) {
  /** @type {Problem[]} */
  const problems = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    for (const name of EXTERNAL_NAMES) {
      if (line.includes(name)) {
        problems.push({
          file,
          line: i + 1,
          message: `points at ${name}, which is not in the repository: use docs/contract/…md#anchor`,
        });
      }
    }
    const section = line.indexOf("\u00a7");
    if (section !== -1 && /^\s?\d/.test(line.slice(section + 1))) {
      problems.push({
        file,
        line: i + 1,
        message: "a numbered § section of the external contract: use docs/contract/…md#anchor",
      });
    }
    if (/\bseeds? `?0\d\d\b/i.test(line)) {
      problems.push({
        file,
        line: i + 1,
        message:
          "an upstream seed number nobody can open: name the upstream file (NousResearch/hermes-agent:<path>) or drop it",
      });
    }
  }
  return problems;
}

/**
 * Every reference problem in the repository at `root`.
 * @param {string} root absolute path of the repository
 * @param {{ files?: string[] }} [options] repository-relative files to check (default: all)
 * @returns {Problem[]}
 */
export function checkReferences(root, options = {}) {
  const index = createIndex(root);
  const files = options.files ?? listTextFiles(root);
  /** @type {Problem[]} */
  const problems = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    problems.push(...checkBareReferences(root, file, text, index));
    if (file.endsWith(".md")) problems.push(...checkMarkdownLinks(root, file, text, index));
    if (!file.startsWith("tooling/docs-check/"))
      problems.push(...checkExternalPointers(file, text));
  }
  return problems;
}
