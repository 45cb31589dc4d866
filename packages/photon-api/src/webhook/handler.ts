import type { IncomingMessage, ServerResponse } from "node:http";
import { parseWebhookEvent, type WebhookEvent } from "./event.js";
import { verifyWebhookSignature } from "./verify.js";

export interface WebhookDelivery {
  webhookId: string;
  event: WebhookEvent;
}

export interface CreateWebhookHandlerOptions {
  /** Signing secret; when empty/undefined every delivery gets 500 (fail closed). */
  secret: string | undefined;
  /** Called after the 200 is sent, once per message id (taken from the signed body). */
  onEvent: (delivery: WebhookDelivery) => void | Promise<void>;
  /** Body size cap in bytes (default 1 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** Errors thrown by `onEvent` (default: ignored). Never receives the secret. */
  onError?: (error: unknown) => void;
  now?: () => number;
  toleranceSeconds?: number;
  /** De-duplication window (default 48 h) and bound on remembered ids (default 10 000). */
  dedupeTtlMs?: number;
  maxDedupeEntries?: number;
}

export const DEFAULT_MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/** A `node:http` request listener for Photon deliveries with the status codes of docs/contract/photon.md#webhook-receiver. */
export function createWebhookHandler(
  options: CreateWebhookHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_WEBHOOK_BODY_BYTES;
  const now = options.now ?? Date.now;
  const ttl = options.dedupeTtlMs ?? 48 * 3600 * 1000;
  const maxEntries = options.maxDedupeEntries ?? 10_000;
  const seen = new Map<string, number>(); // insertion order = age order

  const remember = (key: string): boolean => {
    const t = now();
    for (const [k, at] of seen) {
      if (t - at > ttl || seen.size >= maxEntries) seen.delete(k);
      else break;
    }
    const at = seen.get(key);
    if (at !== undefined && t - at <= ttl) return false;
    seen.set(key, t);
    return true;
  };

  const answer = (res: ServerResponse, status: number, message: string) => {
    if (!res.headersSent)
      res
        .writeHead(status, { "content-type": "application/json" })
        .end(JSON.stringify({ ok: status === 200, message }));
  };

  return (req, res) => {
    if (req.method !== "POST") return answer(res, 405, "use POST");
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("error", () => {
      done = true;
    });
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        answer(res, 413, "payload too large");
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      if (!options.secret) return answer(res, 500, "webhook secret not configured");
      const rawBody = Buffer.concat(chunks);
      const verdict = verifyWebhookSignature({
        headers: req.headers,
        rawBody,
        secret: options.secret,
        now: now(),
        ...(options.toleranceSeconds === undefined
          ? {}
          : { toleranceSeconds: options.toleranceSeconds }),
      });
      if (!verdict.ok)
        return answer(res, verdict.reason === "missing-headers" ? 400 : 401, verdict.reason);
      const parsed = parseWebhookEvent(rawBody);
      if (!parsed.ok) return answer(res, 400, `malformed payload: ${parsed.reason}`);
      answer(res, 200, "ok");
      const header = req.headers["x-spectrum-event"];
      const eventName = (Array.isArray(header) ? header[0] : header) ?? parsed.event.event;
      if (eventName !== "messages" || parsed.event.event !== "messages") return;
      if (parsed.event.message.direction !== "inbound") return; // our own outbound echo
      const idHeader = req.headers["x-spectrum-webhook-id"];
      const webhookId = (Array.isArray(idHeader) ? idHeader[0] : idHeader) ?? "";
      // Dedupe on the message id, which is inside the signed body: the webhook-id header is not
      // signed, so keying on it let one captured delivery be replayed under fresh ids. Not on
      // the signature either: Photon re-signs a retry with a fresh timestamp (an old one would
      // expire), and a retry must still be handled once.
      if (!remember(parsed.event.message.id)) return;
      void Promise.resolve()
        .then(() => options.onEvent({ webhookId, event: parsed.event }))
        .catch((err: unknown) => {
          try {
            options.onError?.(err);
          } catch {
            /* never crash the server */
          }
        });
    });
  };
}
