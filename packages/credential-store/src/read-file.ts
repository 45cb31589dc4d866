// Reading a HERMES_HOME file (.env, auth.json, config.yaml) whole, with bounds. Any of them can
// be a symlink (dotfile managers link them), and a link to the wrong place must not take the
// process down: readFileSync on /dev/zero never finishes, and on a multi-GB log it exhausts
// memory before any parser can say the file is wrong.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { errnoCode } from "./errors.js";

/** The largest settings or credentials file read: far above any real one. */
export const MAX_HOME_FILE_BYTES = 8 * 1024 * 1024;

/** Why a file was not read, with an errno-style `code` so callers report it like a system error. */
export class HomeFileReadError extends Error {
  constructor(
    readonly code: "EFBIG" | "ENOTREG" | "EISDIR",
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = "HomeFileReadError";
  }
}

/**
 * The text of `path` (UTF-8), or null when it does not exist. Refused with a
 * {@link HomeFileReadError} rather than read: a directory (`EISDIR`), anything that is not a
 * regular file or a named pipe — a device, a socket (`ENOTREG`) — and more than `maxBytes`
 * (`EFBIG`, checked as it is read, so a file that grows meanwhile is caught too). A named pipe is
 * read to its end (some secret managers serve `.env` through one); like any reader, this waits
 * for the pipe's writer to open it. Other failures throw the system error (EACCES, …).
 */
export function readHomeFileText(path: string, maxBytes = MAX_HOME_FILE_BYTES): string | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return null;
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new HomeFileReadError("EISDIR", path, "is a directory");
    if (!st.isFile() && !st.isFIFO())
      throw new HomeFileReadError("ENOTREG", path, "is not a regular file (a device or socket)");
    if (st.isFile() && st.size > maxBytes) throw tooLarge(path, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    // One byte past the bound tells "exactly maxBytes" from "more".
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1));
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw tooLarge(path, maxBytes);
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return Buffer.concat(chunks, total).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function tooLarge(path: string, maxBytes: number): HomeFileReadError {
  return new HomeFileReadError(
    "EFBIG",
    path,
    `is larger than ${maxBytes} bytes: not a settings or credentials file`,
  );
}

/** A failed read as a short phrase for a message: the refusal's reason, or the errno and a hint. */
export function describeReadFailure(e: unknown): string {
  if (e instanceof HomeFileReadError) return e.reason;
  return `${errnoCode(e)}; check its permissions`;
}
