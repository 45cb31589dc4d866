// stdout and stderr as the CLI writes them. Node's process.stdout / process.stderr are streams
// whose creation loads the stream stack (and, for a terminal test, node:tty with node:net): a
// measurable share of a short command's start-up (bench/cli-startup.mjs). Until something needs
// the stream (a terminal's width, a full pipe), text goes out with a plain synchronous write to
// the file descriptor, and "is this a terminal?" is answered without node:tty for files, pipes
// and /dev/null.
import { fstatSync, statSync, writeSync } from "node:fs";
import type { OutputStream } from "../context.js";

/** Whether `fd` is a terminal; node:tty is loaded only for a character device other than /dev/null. */
function isTerminal(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    if (!st.isCharacterDevice() || st.rdev === statSync("/dev/null").rdev) return false;
  } catch {
    // Not answerable here (e.g. no /dev/null): ask node:tty.
  }
  return process.getBuiltinModule("node:tty").isatty(fd);
}

/**
 * The standard stream on `fd` (1 or 2). A reader that stops early (`hermes --help | head -1`)
 * closes the pipe: output to it is then dropped (EPIPE is never a crash with a stack trace), and
 * the command finishes with its own status. `stream()` is process.stdout or process.stderr,
 * opened only for a terminal's width or when a write would block (then it queues the rest).
 */
export function standardStream(fd: 1 | 2, stream: () => NodeJS.WriteStream): OutputStream {
  let opened: NodeJS.WriteStream | undefined;
  let closed = false;
  let terminal: boolean | undefined;
  const open = (): NodeJS.WriteStream => {
    if (opened === undefined) {
      opened = stream();
      // Any error on a standard stream means nothing more can be written to it.
      opened.on("error", () => {
        closed = true;
      });
    }
    return opened;
  };
  /** Writes what it can synchronously; returns what is left when the descriptor would block. */
  const writeDirect = (text: string): Buffer | null => {
    let rest = Buffer.from(text, "utf8");
    while (rest.length > 0) {
      try {
        rest = rest.subarray(writeSync(fd, rest));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") return rest;
        closed = true; // EPIPE and the like: the reader is gone.
        return null;
      }
    }
    return null;
  };
  return {
    write(text) {
      if (closed) return;
      if (opened === undefined) {
        const rest = writeDirect(text);
        if (rest === null) return;
        open().write(rest);
        return;
      }
      opened.write(text);
    },
    get isTTY() {
      terminal ??= isTerminal(fd);
      return terminal;
    },
    get columns() {
      return this.isTTY ? open().columns : undefined;
    },
  };
}
