// HTTP backend: POST the event JSON to the URL (Content-Type: application/json). The reply
// is taken from a 2xx body: a JSON object `{"reply": "..."}` or `{"text": "..."}` when the
// response is `application/json`, otherwise the body as plain text.
import { AgentError, MAX_REPLY_BYTES, type AgentBackend } from "./types.js";

export interface HttpAgentOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

export function httpAgent(opts: HttpAgentOptions): AgentBackend {
  const doFetch = opts.fetch ?? fetch;
  const where = new URL(opts.url).origin; // never echo a path/query that may hold a token
  return {
    name: "http",
    async runTurn(event, { signal }) {
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      let res: Response;
      try {
        res = await doFetch(opts.url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/plain" },
          body: JSON.stringify(event),
          signal: AbortSignal.any([signal, timeout]),
          redirect: "error",
        });
      } catch (e) {
        if (signal.aborted) throw new AgentError("AGENT_ABORTED", "The turn was interrupted.");
        if (timeout.aborted) throw new AgentError("AGENT_TIMEOUT", `The HTTP agent at ${where} did not answer within ${opts.timeoutMs} ms.`);
        throw new AgentError("AGENT_FAILED", `Could not reach the HTTP agent at ${where}: ${(e as Error).message}`);
      }
      const body = await res.text();
      if (Buffer.byteLength(body) > MAX_REPLY_BYTES) throw new AgentError("AGENT_BAD_REPLY", `The HTTP agent's reply is over ${MAX_REPLY_BYTES} bytes.`);
      if (!res.ok) throw new AgentError("AGENT_FAILED", `The HTTP agent at ${where} returned HTTP ${res.status}.`);
      if ((res.headers.get("content-type") ?? "").includes("application/json")) {
        let v: unknown;
        try {
          v = JSON.parse(body);
        } catch {
          throw new AgentError("AGENT_BAD_REPLY", "The HTTP agent sent invalid JSON; send {\"reply\": \"...\"} or text/plain.");
        }
        const o = typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
        const reply = typeof o.reply === "string" ? o.reply : typeof o.text === "string" ? o.text : typeof v === "string" ? v : null;
        if (reply === null) throw new AgentError("AGENT_BAD_REPLY", "The HTTP agent's JSON has no string \"reply\" or \"text\".");
        return reply;
      }
      return body;
    },
  };
}
