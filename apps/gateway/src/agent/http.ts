// HTTP backend: POST the event JSON to the URL (Content-Type: application/json). The reply
// is taken from a 2xx body: a JSON object `{"reply": "..."}` or `{"text": "..."}` when the
// response is `application/json`; protocol v2 events when it is `application/x-ndjson` (read as
// it streams), or when the backend is configured for ndjson and the answer is not JSON;
// otherwise the body as plain text.
import { NdjsonAgentReader } from "./ndjson-reader.js";
import { AgentError, MAX_REPLY_BYTES, type AgentBackend, type AgentOutputMode } from "./types.js";

export interface HttpAgentOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
  /** `ndjson`: a body that is not JSON is read as ndjson events whatever its type. */
  readonly output?: AgentOutputMode;
  readonly logger?: { info?(fields: { readonly type: string }, msg: string): void };
}

export function httpAgent(opts: HttpAgentOptions): AgentBackend {
  const doFetch = opts.fetch ?? fetch;
  const where = new URL(opts.url).origin; // never echo a path/query that may hold a token
  const failed = (e: unknown, signal: AbortSignal, timeout: AbortSignal): AgentError => {
    if (e instanceof AgentError) return e;
    if (signal.aborted) return new AgentError("AGENT_ABORTED", "The turn was interrupted.");
    if (timeout.aborted)
      return new AgentError(
        "AGENT_TIMEOUT",
        `The HTTP agent at ${where} did not answer within ${opts.timeoutMs} ms.`,
      );
    return new AgentError(
      "AGENT_FAILED",
      `Could not reach the HTTP agent at ${where}: ${(e as Error).message}`,
    );
  };
  return {
    name: "http",
    async runTurn(event, { signal, emit }) {
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      let res: Response;
      try {
        res = await doFetch(opts.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, application/x-ndjson, text/plain",
          },
          body: JSON.stringify(event),
          signal: AbortSignal.any([signal, timeout]),
          redirect: "error",
        });
      } catch (e) {
        throw failed(e, signal, timeout);
      }
      const type = (res.headers.get("content-type") ?? "").toLowerCase();
      const isJson = type.includes("application/json");
      if (
        res.ok &&
        res.body !== null &&
        (type.includes("application/x-ndjson") || (opts.output === "ndjson" && !isJson))
      ) {
        const reader = new NdjsonAgentReader({
          emit,
          onUnknownType: (t) =>
            opts.logger?.info?.({ type: t }, "agent event of an unknown type skipped"),
        });
        try {
          await readCapped(res.body, (chunk) => reader.push(chunk));
          return reader.end();
        } catch (e) {
          throw failed(e, signal, timeout);
        }
      }
      if (!res.ok) {
        // Only the status matters: the body is not read (it could be endless).
        await res.body?.cancel().catch(() => undefined);
        throw new AgentError(
          "AGENT_FAILED",
          `The HTTP agent at ${where} returned HTTP ${res.status}.`,
        );
      }
      let body = "";
      if (res.body !== null) {
        const parts: Buffer[] = [];
        try {
          await readCapped(res.body, (chunk) => parts.push(chunk));
        } catch (e) {
          throw failed(e, signal, timeout);
        }
        // As Response#text() decodes: UTF-8, a leading BOM dropped, bad bytes as U+FFFD.
        body = new TextDecoder().decode(Buffer.concat(parts));
      }
      if (isJson) {
        let v: unknown;
        try {
          v = JSON.parse(body);
        } catch {
          throw new AgentError(
            "AGENT_BAD_REPLY",
            'The HTTP agent sent invalid JSON; send {"reply": "..."} or text/plain.',
          );
        }
        const o = typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
        const reply =
          typeof o.reply === "string"
            ? o.reply
            : typeof o.text === "string"
              ? o.text
              : typeof v === "string"
                ? v
                : null;
        if (reply === null)
          throw new AgentError(
            "AGENT_BAD_REPLY",
            'The HTTP agent\'s JSON has no string "reply" or "text".',
          );
        return reply;
      }
      return body;
    },
  };
}

/**
 * Hands each chunk of `body` to `sink` and stops (cancelling the stream) at MAX_REPLY_BYTES:
 * the cap is counted as the bytes arrive, so a backend that streams without end costs at most
 * the cap in memory (Response#text() would buffer all of it before anything could be checked).
 */
async function readCapped(
  body: ReadableStream<Uint8Array>,
  sink: (chunk: Buffer) => void,
): Promise<void> {
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > MAX_REPLY_BYTES)
        throw new AgentError(
          "AGENT_BAD_REPLY",
          `The HTTP agent's reply is over ${MAX_REPLY_BYTES} bytes.`,
        );
      sink(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    }
  } catch (e) {
    await body.cancel().catch(() => undefined);
    throw e;
  }
}
