// Splits a byte stream into lines for the ndjson agent protocol. Linear in the input: each
// chunk is scanned once for "\n" and a partial line is kept as a list of pieces (joined once,
// when its end arrives), never re-scanned. Bounded: a line longer than `maxLineBytes` is an
// error before it is buffered whole.

export class LineTooLongError extends Error {
  constructor(readonly maxLineBytes: number) {
    super(`an ndjson line is longer than ${maxLineBytes} bytes`);
    this.name = "LineTooLongError";
  }
}

/** Default bound on one ndjson line (one event): 256 KiB. */
export const MAX_LINE_BYTES = 256 * 1024;

export class NdjsonLineSplitter {
  readonly #maxLineBytes: number;
  readonly #decoder = new TextDecoder("utf-8", { fatal: false });
  #pieces: Buffer[] = [];
  #pendingBytes = 0;

  constructor(maxLineBytes: number = MAX_LINE_BYTES) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** The complete lines in `chunk` (with what was pending before it), without their "\n". */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      const tail = chunk.subarray(start, nl);
      if (this.#pendingBytes + tail.length > this.#maxLineBytes)
        throw new LineTooLongError(this.#maxLineBytes);
      const bytes = this.#pieces.length === 0 ? tail : Buffer.concat([...this.#pieces, tail]);
      this.#pieces = [];
      this.#pendingBytes = 0;
      lines.push(this.#decode(bytes));
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.#pendingBytes += rest.length;
      if (this.#pendingBytes > this.#maxLineBytes) throw new LineTooLongError(this.#maxLineBytes);
      this.#pieces.push(rest);
    }
    return lines;
  }

  /** The last line when the stream ended without a final "\n" (null when none). */
  end(): string | null {
    if (this.#pieces.length === 0) return null;
    const line = this.#decode(Buffer.concat(this.#pieces));
    this.#pieces = [];
    this.#pendingBytes = 0;
    return line;
  }

  #decode(bytes: Buffer): string {
    const line = this.#decoder.decode(bytes);
    return line.endsWith("\r") ? line.slice(0, -1) : line;
  }
}
