// .env (docs/contract/hermes-home.md#env-file): parsing, and editing with the upstream rules. Setting a key
// replaces the FIRST line defining it, else appends; every other line stays byte for byte.
import { resolveWriteTarget, writeFileAtomic } from "./atomic.js";
import { CredentialStoreError, errnoCode } from "./errors.js";
import { envPath, isManaged, type Env } from "./home.js";
import { withFileLock, type LockOptions } from "./lock.js";
import { describeReadFailure, readHomeFileText } from "./read-file.js";

const KEY = /^[A-Z_]\w*$/i;
// The value group starts at a non-space so that `\s*` before it and `.*` cannot trade
// characters (polynomial backtracking on a line of spaces).
const LINE = /^\s*(?:export\s+)?([A-Za-z_]\w*)\s*=\s*(\S.*)?$/s;

/** The value part of a definition line, unquoted (inverse of {@link formatEnvValue}). */
export function parseEnvValue(raw: string): string {
  if (raw.startsWith('"')) {
    let out = "";
    for (let i = 1; i < raw.length; i++) {
      const c = raw[i]!;
      if (c === "\\" && (raw[i + 1] === "\\" || raw[i + 1] === '"')) {
        out += raw[++i];
      } else if (c === '"') {
        return out;
      } else out += c;
    }
    return out; // unterminated: take what there is
  }
  if (raw.startsWith("'")) {
    const end = raw.indexOf("'", 1);
    return end === -1 ? raw.slice(1) : raw.slice(1, end);
  }
  // Bare: an inline comment starts at whitespace followed by '#'. Found with one linear scan
  // (`/\s+#.*$/` re-scanned each run of spaces from every start: quadratic); the spaces
  // before it go with the trim.
  const comment = raw.search(/\s#/);
  return (comment === -1 ? raw : raw.slice(0, comment)).trim();
}

/** How a value is written: `\r`/`\n` removed; quoted when it holds `#`, quotes or whitespace. */
export function formatEnvValue(value: string): string {
  const v = value.replace(/[\r\n]/g, "");
  if (!/[#"'\s]/.test(v)) return v;
  return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Parse `.env` text: comments and blanks skipped, `export` accepted, BOM tolerated; the first definition of a key wins. */
export function parseDotenv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rawLine of text.replace(/^\uFEFF/, "").split("\n")) {
    const line = rawLine.replace(/\r$/, "");
    if (/^\s*#/.test(line)) continue;
    const m = LINE.exec(line);
    if (m === null) continue;
    const key = m[1]!;
    if (!out.has(key)) out.set(key, parseEnvValue(m[2] ?? ""));
  }
  return out;
}

function readEnvText(path: string): string | null {
  try {
    // Synchronous: a small file, and the thread pool that an async read starts is a
    // measurable share of a short command's start-up (apps/cli/BENCH.md).
    return readHomeFileText(path);
  } catch (e) {
    throw new CredentialStoreError(
      "ENV_FILE_UNREADABLE",
      `Cannot read ${path} (${describeReadFailure(e)}). It was left untouched.`,
      path,
    );
  }
}

/** The KEY → value pairs of `<home>/.env` (empty when the file does not exist). */
export async function readEnvFile(home: string): Promise<Map<string, string>> {
  const text = readEnvText(envPath(home));
  return text === null ? new Map() : parseDotenv(text);
}

/** Real environment first, then `<home>/.env`; empty strings count as unset. */
export async function resolveEnvValue(
  home: string,
  name: string,
  env: Env,
): Promise<string | undefined> {
  const v = env[name];
  if (v !== undefined && v !== "") return v;
  const d = (await readEnvFile(home)).get(name);
  return d !== undefined && d !== "" ? d : undefined;
}

function validKey(key: unknown): string {
  if (typeof key !== "string" || !KEY.test(key)) {
    const shown = typeof key === "string" ? JSON.stringify(key.slice(0, 64)) : typeof key;
    throw new CredentialStoreError(
      "ENV_KEY_INVALID",
      `Invalid .env key ${shown}: use letters, digits and underscores, not starting with a digit.`,
    );
  }
  return key;
}

/** Apply the editing rules to `.env` text (pure; exported for tests and tools). */
export function editDotenv(
  text: string,
  entries: ReadonlyArray<readonly [string, string]>,
): string {
  const bom = text.startsWith("\uFEFF") ? "\uFEFF" : "";
  const body = text.slice(bom.length);
  const lines = body === "" ? [] : body.split("\n");
  // A trailing newline leaves an empty last element: remember it to restore the shape.
  const endsWithNewline = lines.length > 0 && lines[lines.length - 1] === "";
  if (endsWithNewline) lines.pop();
  for (const [key, value] of entries) {
    const text = `${key}=${formatEnvValue(value)}`;
    const i = lines.findIndex(
      (l) => !/^\s*#/.test(l) && LINE.exec(l.replace(/\r$/, ""))?.[1] === key,
    );
    if (i !== -1) lines[i] = lines[i]!.endsWith("\r") ? `${text}\r` : text;
    else lines.push(text);
  }
  return `${bom}${lines.join("\n")}\n`;
}

/**
 * Remove the first definition line of each key (the one {@link editDotenv} would replace);
 * every other line stays byte for byte. Pure; returns the text and the keys it found.
 */
export function removeDotenvKeys(
  text: string,
  keys: readonly string[],
): { text: string; removed: string[] } {
  const bom = text.startsWith("\uFEFF") ? "\uFEFF" : "";
  const lines = text.slice(bom.length).split("\n");
  const removed: string[] = [];
  for (const key of keys) {
    const i = lines.findIndex(
      (l) => !/^\s*#/.test(l) && LINE.exec(l.replace(/\r$/, ""))?.[1] === key,
    );
    if (i === -1) continue;
    lines.splice(i, 1);
    removed.push(key);
  }
  return { text: `${bom}${lines.join("\n")}`, removed };
}

export interface SetEnvOptions extends LockOptions {
  /** The environment, for the managed-install check. */
  env: Env;
}

/**
 * Set keys in `<home>/.env` under the file's lock: the first definition of each key is
 * replaced in place, a missing one appended, every other line kept byte for byte. The file is
 * written 0600, an existing wider mode (0644, 0666) tightened. A symlink is followed: its
 * target is replaced, the link kept; a dangling link or a loop is refused. Refuses in a managed install
 * (nothing changes). Never logs or returns a value.
 */
export async function setEnvValues(
  home: string,
  entries: ReadonlyArray<readonly [string, string]>,
  opts: SetEnvOptions,
): Promise<void> {
  for (const [key, value] of entries) {
    validKey(key);
    if (typeof value !== "string")
      throw new CredentialStoreError(
        "INVALID_ARGUMENT",
        `setEnvValues: the value of ${key} must be a string; nothing was written.`,
      );
  }
  await editEnvFile(home, opts, "write", (text) => ({
    text: editDotenv(text ?? "", entries),
    result: undefined,
  }));
}

/**
 * The edit both setters share: refuse in a managed install, follow a symlinked .env to its
 * target (see resolveWriteTarget), and under the target's lock read it, apply `edit` and
 * replace it atomically with mode 0600 — always 0600, also over an existing 0644/0666 file:
 * the file holds secrets, and keeping a world-readable mode would publish what was just
 * written. `edit` returning `text: null` writes nothing.
 */
async function editEnvFile<R>(
  home: string,
  opts: SetEnvOptions,
  verb: "write" | "edit",
  edit: (text: string | null) => { text: string | null; result: R },
): Promise<R> {
  const path = envPath(home);
  const managed = isManaged(home, opts.env);
  if (managed.managed) {
    throw new CredentialStoreError(
      "MANAGED_INSTALL",
      verb === "write"
        ? `Refusing to write ${path}: this is a managed Hermes install (${managed.reason}). Set the value through your hosting provider instead.`
        : `Refusing to edit ${path}: this is a managed Hermes install (${managed.reason}).`,
      path,
    );
  }
  const target = await resolveWriteTarget(path);
  return withFileLock(
    target,
    async (assertHeld) => {
      const { text, result } = edit(readEnvText(target));
      if (text === null) return result;
      try {
        await writeFileAtomic(target, text, 0o600, assertHeld);
      } catch (e) {
        if (e instanceof CredentialStoreError) throw e;
        throw new CredentialStoreError(
          "WRITE_FAILED",
          `Could not write ${target} (${errnoCode(e)}); the previous file is intact.`,
          target,
        );
      }
      return result;
    },
    opts,
  );
}

/** {@link setEnvValues} for one key. */
export function setEnvValue(
  home: string,
  key: string,
  value: string,
  opts: SetEnvOptions,
): Promise<void> {
  return setEnvValues(home, [[key, value]], opts);
}

/**
 * Remove keys from `<home>/.env` under the file's lock (see {@link removeDotenvKeys}); the
 * file is rewritten atomically with mode 0600 only when something was removed. A missing
 * file removes nothing. Refuses in a managed install. Resolves with the keys removed.
 */
export async function unsetEnvValues(
  home: string,
  keys: readonly string[],
  opts: SetEnvOptions,
): Promise<string[]> {
  for (const key of keys) validKey(key);
  return editEnvFile(home, opts, "edit", (text) => {
    if (text === null) return { text: null, result: [] };
    const edit = removeDotenvKeys(text, keys);
    return edit.removed.length === 0
      ? { text: null, result: [] }
      : { text: edit.text, result: edit.removed };
  });
}
