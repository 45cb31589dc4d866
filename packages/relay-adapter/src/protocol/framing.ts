// Newline-delimited JSON framing of the WebSocket link (docs/contract/relay.md#framing): every message carries one or
// more JSON objects, each followed by "\n". A reader buffers a partial trailing line across
// messages and skips a line that is not a JSON object without dying.
import { isAscii, isUtf8, transcode } from "node:buffer";

/** Largest partial line kept across messages before it is discarded as malformed. */
export const DEFAULT_MAX_LINE_BYTES = 32 * 1024 * 1024;

const NEWLINE = 0x0a;
/** From this length on, a line is checked (ASCII? valid UTF-8?) for a faster decoder. */
const FAST_DECODE_MIN_BYTES = 4096;

/** One frame on the wire: the JSON object followed by "\n". */
export function encodeFrame(frame: object): string {
  return `${JSON.stringify(frame)}\n`;
}

/**
 * What {@link FrameDecoder.push} accepts: one WebSocket message as `ws` hands it over (a
 * `Buffer`, an `ArrayBuffer`, or the `Buffer[]` fragments of one message), any `Uint8Array`
 * of UTF-8 bytes, or text already decoded.
 */
export type FrameInput = string | Uint8Array | ArrayBuffer | readonly Uint8Array[];

export interface DecodedChunk {
  frames: Record<string, unknown>[];
  /**
   * The text of each of `frames`, same order: the line as received, without its "\n" (one
   * valid JSON text; a host may record it instead of serializing the frame again).
   */
  lines: string[];
  /**
   * Lines that were not a JSON object (skipped), each with a short reason, never the line
   * itself: the first {@link MAX_MALFORMED_REASONS} of this push. `malformedCount` counts them all.
   */
  malformed: string[];
  /** How many lines this push skipped as malformed (`malformed` keeps only the first reasons). */
  malformedCount: number;
}

/**
 * Reasons kept per push: a peer can send millions of two-byte bad lines in one message, and a
 * reason each (a string, then a log line) would turn each byte into dozens.
 */
export const MAX_MALFORMED_REASONS = 8;

/** A Buffer over the same memory (no copy), for Buffer's native `indexOf` and `toString`. */
function asBuffer(bytes: Uint8Array | ArrayBuffer): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  if (ArrayBuffer.isView(bytes))
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // An ArrayBuffer, or a SharedArrayBuffer (Buffer.from takes either).
  return Buffer.from(bytes as ArrayBuffer);
}

/**
 * Pieces of a partial line kept as they came before the newest ones are merged into one: each
 * kept Buffer costs ~100 bytes of heap beside its bytes, so a peer sending one byte per message
 * would otherwise hold ~100× the line cap in memory. Merging only the pieces since the last
 * merge copies every byte at most once (linear).
 */
const MERGE_PIECES = 256;

/** The text of `bytes[start, end)` decoded as UTF-8 (invalid sequences become U+FFFD). */
function utf8Text(bytes: Buffer, start: number, end: number): string {
  // V8's UTF-8 decoder (Buffer#toString) is the slow part of a large frame. ASCII bytes read the
  // same as Latin-1, whose decoding is a plain widening copy; valid UTF-8 converts exactly to
  // UTF-16 with ICU's converter (Node's `transcode`), several times faster here. Invalid UTF-8
  // keeps Buffer#toString and its U+FFFD replacements. On a short line the extra scans would
  // cost more than they save.
  if (end - start >= FAST_DECODE_MIN_BYTES) {
    const line = bytes.subarray(start, end);
    if (isAscii(line)) return bytes.toString("latin1", start, end);
    // `transcode` exists only in a Node built with ICU (the official builds are).
    if (typeof transcode === "function" && isUtf8(line)) {
      try {
        return transcode(line, "utf8", "utf16le").toString("utf16le");
      } catch {
        // fall through to the decoder every build has
      }
    }
  }
  return bytes.toString("utf8", start, end);
}

/** What {@link FrameDecoder.each} returns: the lines it skipped (see DecodedChunk). */
export interface SkippedLines {
  malformed: string[];
  malformedCount: number;
}

/** Where a push puts what it reads: frames to `frame`, skipped lines counted in the rest. */
interface Sink extends SkippedLines {
  frame(frame: Record<string, unknown>, line: string): void;
}

/** Count a skipped line; its reason is built only while fewer than the cap are kept. */
function skipped(out: SkippedLines, reason: () => string): void {
  if (out.malformedCount++ < MAX_MALFORMED_REASONS) out.malformed.push(reason());
}

export class FrameDecoder {
  readonly #maxLine: number;
  /**
   * The unterminated line, as the pieces it arrived in: joined once, when its "\n" arrives.
   * Concatenating and re-scanning a growing buffer on every message is quadratic in the line.
   * Bytes stay bytes until the line is whole, so a UTF-8 sequence split across two messages
   * decodes correctly. At most one of the two lists is non-empty.
   */
  #bytePieces: Buffer[] = [];
  /** #bytePieces from this index on were never merged (see MERGE_PIECES). */
  #unmerged = 0;
  #textPieces: string[] = [];
  /** Bytes in #bytePieces, or characters in #textPieces. */
  #pendingLength = 0;

  /**
   * `maxLineBytes` caps a partial line: in bytes for byte input, in characters (UTF-16 code
   * units) for string input.
   */
  constructor(opts: { maxLineBytes?: number | undefined } = {}) {
    this.#maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Bytes (byte input) or characters (string input) buffered from an unterminated line. */
  get pending(): number {
    return this.#pendingLength;
  }

  /**
   * Feed one WebSocket message. Never throws; linear in the bytes (or characters) received.
   * Invalid UTF-8 in a line becomes U+FFFD, as `Buffer#toString("utf8")` decodes it. The bytes
   * of an unterminated line are kept by reference, not copied: do not modify a pushed buffer
   * afterwards (`ws` never reuses the buffers it emits).
   */
  push(chunk: FrameInput): DecodedChunk {
    const frames: Record<string, unknown>[] = [];
    const lines: string[] = [];
    const sink: Sink = {
      malformed: [],
      malformedCount: 0,
      frame(frame, line) {
        frames.push(frame);
        lines.push(line);
      },
    };
    this.#feed(chunk, sink);
    return { frames, lines, malformed: sink.malformed, malformedCount: sink.malformedCount };
  }

  /**
   * As {@link push}, handing each frame (and its line) to `onFrame` as soon as its line is read
   * instead of gathering them: one message of millions of small frames never holds them all
   * at once. Returns the lines skipped. A throw from `onFrame` does not stop the decoding: the
   * chunk is read to its end (its later frames handed over, its partial line kept for the next
   * chunk) and the first error is thrown then, so the next chunk is framed right.
   */
  each(
    chunk: FrameInput,
    onFrame: (frame: Record<string, unknown>, line: string) => void,
  ): SkippedLines {
    let failure: { error: unknown } | undefined;
    const sink: Sink = {
      malformed: [],
      malformedCount: 0,
      frame(frame, line) {
        try {
          onFrame(frame, line);
        } catch (error) {
          failure ??= { error };
        }
      },
    };
    this.#feed(chunk, sink);
    if (failure !== undefined) throw failure.error;
    return { malformed: sink.malformed, malformedCount: sink.malformedCount };
  }

  #feed(chunk: FrameInput, out: Sink): void {
    if (typeof chunk === "string") {
      // A line begun as bytes continues as bytes (encoding well-formed text is exact).
      if (this.#bytePieces.length > 0) this.#pushBytes(Buffer.from(chunk, "utf8"), out);
      else this.#pushText(chunk, out);
    } else if (Array.isArray(chunk)) {
      for (const fragment of chunk as readonly Uint8Array[])
        this.#pushBytes(asBuffer(fragment), out);
    } else {
      this.#pushBytes(asBuffer(chunk as Uint8Array | ArrayBuffer), out);
    }
  }

  /** Drop any partial line (a new connection starts clean). */
  reset(): void {
    this.#bytePieces = [];
    this.#unmerged = 0;
    this.#textPieces = [];
    this.#pendingLength = 0;
  }

  #pushText(chunk: string, out: Sink): void {
    let start = 0;
    // Only the new chunk is scanned for "\n": the buffered pieces are known to contain none.
    for (let nl = chunk.indexOf("\n"); nl !== -1; nl = chunk.indexOf("\n", start)) {
      const tail = chunk.slice(start, nl);
      if (this.#textPieces.length === 0) {
        this.#line(tail, out);
      } else {
        this.#textPieces.push(tail);
        const line = this.#textPieces.join("");
        this.reset();
        this.#line(line, out);
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.#textPieces.push(start === 0 ? chunk : chunk.slice(start));
      this.#pendingLength += chunk.length - start;
    }
    this.#capPending(out, "characters");
  }

  #pushBytes(chunk: Buffer, out: Sink): void {
    if (this.#textPieces.length > 0) {
      // A line begun as text continues as bytes (encoding well-formed text is exact).
      const head = Buffer.from(this.#textPieces.join(""), "utf8");
      this.reset();
      this.#bytePieces.push(head);
      this.#pendingLength = head.length;
    }
    let start = 0;
    // Only the new chunk is scanned for "\n" (0x0A never occurs inside a multi-byte UTF-8
    // sequence, so a byte scan finds exactly the line ends). A message that ends with its
    // frame's "\n", the common case, is not scanned again past its end.
    for (
      let nl = chunk.indexOf(NEWLINE);
      nl !== -1;
      nl = start < chunk.length ? chunk.indexOf(NEWLINE, start) : -1
    ) {
      let line: string;
      if (this.#bytePieces.length === 0) {
        line = utf8Text(chunk, start, nl);
      } else {
        // One copy of the line's bytes, one UTF-8 decode.
        this.#bytePieces.push(chunk.subarray(start, nl));
        const length = this.#pendingLength + nl - start;
        line = utf8Text(Buffer.concat(this.#bytePieces, length), 0, length);
        this.reset();
      }
      this.#line(line, out);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const tail = chunk.length - start;
      // A short tail after complete lines is copied: a view would keep the whole message alive
      // until this line ends.
      this.#bytePieces.push(
        start === 0
          ? chunk
          : tail * 8 < chunk.length
            ? Buffer.from(chunk.subarray(start))
            : chunk.subarray(start),
      );
      this.#pendingLength += tail;
      if (this.#bytePieces.length - this.#unmerged >= MERGE_PIECES) {
        const merged = Buffer.concat(this.#bytePieces.slice(this.#unmerged));
        this.#bytePieces.length = this.#unmerged;
        this.#bytePieces.push(merged);
        this.#unmerged = this.#bytePieces.length;
      }
    }
    this.#capPending(out, "bytes");
  }

  #capPending(out: Sink, unit: "bytes" | "characters"): void {
    if (this.#pendingLength > this.#maxLine) {
      skipped(out, () => `partial line over ${this.#maxLine} ${unit} discarded`);
      this.reset();
    }
  }

  #line(line: string, out: Sink): void {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped(out, () => `invalid JSON (${line.length} characters)`);
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      skipped(out, () => "JSON value is not an object");
      return;
    }
    out.frame(value as Record<string, unknown>, line);
  }
}
