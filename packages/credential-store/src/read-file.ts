// Reading a HERMES_HOME file (.env, auth.json, config.yaml) whole, with bounds. Any of them can
// be a symlink (dotfile managers link them), and a link to the wrong place must not take the
// process down: readFileSync on /dev/zero never finishes, and on a multi-GB log it exhausts
// memory before any parser can say the file is wrong.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { errnoCode } from "./errors.js";

/** The largest settings or credentials file read: far above any real one. */
export const MAX_HOME_FILE_BYTES = 8 * 1024 * 1024;

/** How long a named pipe may take to be written to its end (a secret manager may ask its user first). */
export const HOME_PIPE_WAIT_MS = 30_000;

/** Between two reads of a named pipe that has nothing to read yet. */
const PIPE_POLL_MS = 2;

/** Why a file was not read, with an errno-style `code` so callers report it like a system error. */
export class HomeFileReadError extends Error {
  constructor(
    readonly code: "EFBIG" | "ENOTREG" | "EISDIR" | "ETIMEDOUT",
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
 * read to its end (some secret managers serve `.env` through one), within `pipeWaitMs`: a pipe
 * nothing opens for writing, or whose writer does not finish in time, is `ETIMEDOUT` instead of a
 * process blocked forever in `open(2)` or `read(2)`. Other failures throw the system error (EACCES, …).
 */
export function readHomeFileText(
  path: string,
  maxBytes = MAX_HOME_FILE_BYTES,
  pipeWaitMs = HOME_PIPE_WAIT_MS,
): string | null {
  let fd: number;
  try {
    // Non-blocking: opening a named pipe for reading would otherwise wait for a writer, unbounded.
    // On a regular file the flag changes nothing.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
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
    const pipe = st.isFIFO() ? new PipeWait(path, pipeWaitMs) : null;
    const chunks: Buffer[] = [];
    let total = 0;
    // One byte past the bound tells "exactly maxBytes" from "more".
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1));
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        // A pipe whose writer is there but has written nothing more yet.
        if (pipe === null || errnoCode(e) !== "EAGAIN") throw e;
        pipe.writerSeen = true;
        pipe.pause();
        continue;
      }
      if (n === 0) {
        // The end, unless this is a pipe no writer has opened yet (a non-blocking read of one
        // reads nothing rather than waiting for it).
        if (pipe === null || pipe.writerSeen) break;
        pipe.pause();
        continue;
      }
      if (pipe !== null) pipe.writerSeen = true;
      total += n;
      if (total > maxBytes) throw tooLarge(path, maxBytes);
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return Buffer.concat(chunks, total).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** The deadline of reading a named pipe, and the short sleeps between reads that found nothing. */
class PipeWait {
  writerSeen = false;
  readonly #deadline: number;
  readonly #sleeper = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    readonly path: string,
    readonly waitMs: number,
  ) {
    this.#deadline = Date.now() + waitMs;
  }

  pause(): void {
    if (Date.now() >= this.#deadline)
      throw new HomeFileReadError(
        "ETIMEDOUT",
        this.path,
        `is a named pipe and ${this.writerSeen ? "its writer did not finish" : "nothing wrote to it"} within ${this.waitMs / 1000} s`,
      );
    Atomics.wait(this.#sleeper, 0, 0, PIPE_POLL_MS);
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
