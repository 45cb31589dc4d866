// auth.json: read, and read-modify-write under one cross-process lock. Unknown keys and pools
// written by other tools survive every write. A file that cannot be read or parsed is never
// overwritten: reads and writes report a typed error naming it.
import { describeReadFailure, MAX_HOME_FILE_BYTES, readHomeFileText } from "./read-file.js";
import { resolveWriteTarget, writeFileAtomic } from "./atomic.js";
import { CredentialStoreError, errnoCode } from "./errors.js";
import { authPath } from "./home.js";
import {
  MAX_AUTH_DEPTH,
  nestedDeeperThan,
  numberLiterals,
  serializeAuth,
  type JsonObject,
} from "./json.js";
import { withFileLock, type LockOptions } from "./lock.js";

interface AuthFile {
  doc: JsonObject;
  /** The text `doc` was parsed from, whose number literals a rewrite keeps (see numberLiterals). */
  text: string;
}

async function readAuthFile(path: string): Promise<AuthFile> {
  let text: string;
  try {
    // Synchronous: a small file, and the thread pool that an async read starts is a
    // measurable share of a short command's start-up (apps/cli/BENCH.md).
    const read = readHomeFileText(path);
    if (read === null) return { doc: {}, text: "" };
    text = read;
  } catch (e) {
    throw new CredentialStoreError(
      "AUTH_FILE_UNREADABLE",
      `Cannot read ${path} (${describeReadFailure(e)}). It was left untouched.`,
      path,
    );
  }
  const body = text.replace(/^\uFEFF/, "");
  if (body.trim() === "") return { doc: {}, text: "" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new CredentialStoreError(
      "AUTH_FILE_CORRUPT",
      `${path} is not valid JSON, so it was left untouched; fix it or move it aside, then retry.`,
      path,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CredentialStoreError(
      "AUTH_FILE_CORRUPT",
      `${path} does not hold a JSON object, so it was left untouched; fix it or move it aside.`,
      path,
    );
  }
  return { doc: parsed as JsonObject, text: body };
}

/** The parsed `auth.json` of `home` (`{}` when absent or empty). Throws CredentialStoreError. */
export function readAuth(home: string): Promise<JsonObject> {
  return readAuthFile(authPath(home)).then((f) => f.doc);
}

/**
 * Read-modify-write `auth.json` under the file's lock. `update` receives the current
 * document (a private copy) and returns the next one, or mutates it and returns nothing.
 * Written pretty with sorted keys, mode 0600 (an existing file's wider mode is tightened),
 * atomically. A symlink is followed: its target is replaced, the link kept; a dangling link
 * or a loop is refused (`SYMLINK_DANGLING`, `SYMLINK_LOOP`). A corrupt file is never replaced.
 * Resolves with the document written.
 */
export async function updateAuth(
  home: string,
  update: (draft: JsonObject) => JsonObject | void | Promise<JsonObject | void>,
  opts: LockOptions = {},
): Promise<JsonObject> {
  // A symlinked auth.json: lock, read and replace its target (see resolveWriteTarget).
  const path = await resolveWriteTarget(authPath(home));
  return withFileLock(
    path,
    async (assertHeld) => {
      const current = await readAuthFile(path);
      // JSON.parse reads any depth, but copying (structuredClone) and printing recurse once
      // per level: a deeper file would end in a bare RangeError. Refuse it, untouched.
      const tooDeep = () =>
        new CredentialStoreError(
          "AUTH_FILE_CORRUPT",
          `${path} nests arrays or objects deeper than ${MAX_AUTH_DEPTH} levels, too deep to rewrite safely, so it was left untouched; fix it or move it aside, then retry.`,
          path,
        );
      if (nestedDeeperThan(current.doc)) throw tooDeep();
      let draft: JsonObject;
      try {
        draft = structuredClone(current.doc);
      } catch (e) {
        if (e instanceof RangeError) throw tooDeep(); // the stack ran out all the same
        throw e;
      }
      const next = (await update(draft)) ?? draft;
      if (typeof next !== "object" || next === null || Array.isArray(next)) {
        throw new CredentialStoreError(
          "INVALID_ARGUMENT",
          `updateAuth: the update must return a JSON object (or mutate the draft); ${path} was left untouched.`,
          path,
        );
      }
      // Numbers left where they were keep the file's spelling (1.0, big integers, -0.0).
      const literals = numberLiterals(current.text);
      let text: string;
      try {
        text = serializeAuth(next, literals);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        // The file was within the bound, so the update nested it deeper (or made a cycle),
        // unless the stack ran out on an ordinary document.
        throw new CredentialStoreError(
          "INVALID_ARGUMENT",
          `updateAuth: the document to write cannot be serialized (${nestedDeeperThan(next) ? `nested deeper than ${MAX_AUTH_DEPTH} levels, or cyclic` : "out of stack"}); ${path} was left untouched.`,
          path,
        );
      }
      // Never write a file this store would refuse to read back (readHomeFileText's bound).
      if (Buffer.byteLength(text) > MAX_HOME_FILE_BYTES)
        throw new CredentialStoreError(
          "INVALID_ARGUMENT",
          `updateAuth: the document to write is larger than ${MAX_HOME_FILE_BYTES} bytes, the most a Hermes tool reads back; ${path} was left untouched.`,
          path,
        );
      try {
        await writeFileAtomic(path, text, 0o600, assertHeld);
      } catch (e) {
        if (e instanceof CredentialStoreError) throw e;
        throw new CredentialStoreError(
          "WRITE_FAILED",
          `Could not write ${path} (${errnoCode(e)}); the previous file is intact.`,
          path,
        );
      }
      return next;
    },
    opts,
  );
}
