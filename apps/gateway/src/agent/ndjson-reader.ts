// Reads an agent's ndjson output (exec stdout or an HTTP body) chunk by chunk and hands each
// event on as it completes, so a streamed reply reaches the chat while the agent still runs.
// A malformed line (or one over the line bound) fails the turn with AGENT_BAD_REPLY; an unknown
// event type is reported and skipped (newer agents may speak a later protocol).
import { LineTooLongError, MAX_LINE_BYTES, NdjsonLineSplitter } from "./ndjson-lines.js";
import { parseAgentLine, type AgentOutputEvent } from "./ndjson-events.js";
import { AgentError } from "./types.js";

export interface NdjsonReaderOptions {
  readonly emit?: ((event: AgentOutputEvent) => void) | undefined;
  /** Called once per unknown event type (the caller logs it). */
  readonly onUnknownType?: ((type: string) => void) | undefined;
  readonly maxLineBytes?: number;
}

export class NdjsonAgentReader {
  readonly #splitter: NdjsonLineSplitter;
  readonly #opts: NdjsonReaderOptions;
  readonly #unknown = new Set<string>();
  #line = 0;
  /** Without `emit`, the text of delta and message events, so nothing said is lost. */
  #text = "";

  constructor(opts: NdjsonReaderOptions = {}) {
    this.#opts = opts;
    this.#splitter = new NdjsonLineSplitter(opts.maxLineBytes ?? MAX_LINE_BYTES);
  }

  /** Throws AgentError(AGENT_BAD_REPLY) at the first bad line. */
  push(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.#splitter.push(chunk);
    } catch (e) {
      throw this.#tooLong(e);
    }
    for (const line of lines) this.#take(line);
  }

  /** The stream ended: take a last line without "\n". Returns the collected text (see above). */
  end(): string {
    const last = this.#splitter.end();
    if (last !== null) this.#take(last);
    return this.#text;
  }

  #take(line: string): void {
    this.#line++;
    const parsed = parseAgentLine(line);
    switch (parsed.kind) {
      case "skip":
        return;
      case "malformed":
        throw new AgentError(
          "AGENT_BAD_REPLY",
          `The agent's ndjson output is malformed at line ${this.#line}: ${parsed.message}.`,
        );
      case "unknown":
        if (!this.#unknown.has(parsed.type)) {
          this.#unknown.add(parsed.type);
          this.#opts.onUnknownType?.(parsed.type);
        }
        return;
      case "event": {
        const emit = this.#opts.emit;
        if (emit !== undefined) return emit(parsed.event);
        const e = parsed.event;
        if (e.type === "delta") this.#text += e.text;
        else if (e.type === "message") this.#text += (this.#text === "" ? "" : "\n\n") + e.text;
        return;
      }
    }
  }

  #tooLong(e: unknown): unknown {
    if (e instanceof LineTooLongError)
      return new AgentError("AGENT_BAD_REPLY", `The agent's ndjson output has ${e.message}.`);
    return e;
  }
}
