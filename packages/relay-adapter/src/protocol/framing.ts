// Newline-delimited JSON framing of the WebSocket link (§2): every message carries one or
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
  #partial = "";

  constructor(opts: { maxLineBytes?: number } = {}) {
    this.#maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Characters buffered from an unterminated line. */
  get pending(): number {
    return this.#partial.length;
  }

  /** Feed one WebSocket message (text). Never throws. */
  push(chunk: string): DecodedChunk {
    const out: DecodedChunk = { frames: [], malformed: [] };
    let data = this.#partial + chunk;
    let start = 0;
    for (let nl = data.indexOf("\n", start); nl !== -1; nl = data.indexOf("\n", start)) {
      this.#line(data.slice(start, nl), out);
      start = nl + 1;
    }
    data = data.slice(start);
    if (data.length > this.#maxLine) {
      out.malformed.push(`partial line over ${this.#maxLine} characters discarded`);
      data = "";
    }
    this.#partial = data;
    return out;
  }

  /** Drop any partial line (a new connection starts clean). */
  reset(): void {
    this.#partial = "";
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
