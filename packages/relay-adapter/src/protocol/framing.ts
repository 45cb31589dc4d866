// Newline-delimited JSON framing of the WebSocket link (docs/contract/relay.md#framing): every message carries one or
// more JSON objects, each followed by "\n". A reader buffers a partial trailing line across
// messages and skips a line that is not a JSON object without dying.

/** Largest partial line kept across messages before it is discarded as malformed. */
export const DEFAULT_MAX_LINE_BYTES = 32 * 1024 * 1024;

/** One frame on the wire: the JSON object followed by "\n". */
export function encodeFrame(frame: object): string {
  return `${JSON.stringify(frame)}\n`;
}

export interface DecodedChunk {
  frames: Record<string, unknown>[];
  /** Lines that were not a JSON object (skipped), each with a short reason; never the line itself. */
  malformed: string[];
}

export class FrameDecoder {
  readonly #maxLine: number;
  /**
   * The unterminated line, as the pieces it arrived in: joined once, when its "\n" arrives.
   * Concatenating and re-scanning a growing string on every message is quadratic in the line.
   */
  #pieces: string[] = [];
  #pendingLength = 0;

  constructor(opts: { maxLineBytes?: number } = {}) {
    this.#maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Characters buffered from an unterminated line. */
  get pending(): number {
    return this.#pendingLength;
  }

  /** Feed one WebSocket message (text). Never throws. Linear in the characters received. */
  push(chunk: string): DecodedChunk {
    const out: DecodedChunk = { frames: [], malformed: [] };
    let start = 0;
    // Only the new chunk is scanned for "\n": the buffered pieces are known to contain none.
    for (let nl = chunk.indexOf("\n"); nl !== -1; nl = chunk.indexOf("\n", start)) {
      const tail = chunk.slice(start, nl);
      if (this.#pieces.length === 0) {
        this.#line(tail, out);
      } else {
        this.#pieces.push(tail);
        const line = this.#pieces.join("");
        this.#pieces = [];
        this.#pendingLength = 0;
        this.#line(line, out);
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.#pieces.push(start === 0 ? chunk : chunk.slice(start));
      this.#pendingLength += chunk.length - start;
    }
    if (this.#pendingLength > this.#maxLine) {
      out.malformed.push(`partial line over ${this.#maxLine} characters discarded`);
      this.reset();
    }
    return out;
  }

  /** Drop any partial line (a new connection starts clean). */
  reset(): void {
    this.#pieces = [];
    this.#pendingLength = 0;
  }

  #line(line: string, out: DecodedChunk): void {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      out.malformed.push(`invalid JSON (${line.length} characters)`);
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      out.malformed.push("JSON value is not an object");
      return;
    }
    out.frames.push(value as Record<string, unknown>);
  }
}
