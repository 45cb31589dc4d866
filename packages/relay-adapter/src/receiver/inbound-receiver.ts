// Legacy signed-HTTP inbound receiver (docs/contract/relay.md#signed-http-receiver).
//
// The connector POSTs normalized events (and interrupts) to the gateway, signed with the
// per-tenant delivery key over the EXACT raw body bytes. This is a node:http request listener:
// it never throws, whatever arrives (oversized, aborted, garbage), and never logs a key, a
// signature or a body.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import {
  DEFAULT_MAX_SKEW_SECONDS,
  DELIVERY_SIG_HEADER,
  DELIVERY_TS_HEADER,
  isUsableSecret,
  verifyDeliverySignature,
} from "@hermes/relay-crypto";
import { ReplayGuard } from "./replay-guard.js";
import { logSafely, type RelayLogger } from "../logger.js";
import { isObject } from "../protocol/guards.js";

/** Default body cap (ours): 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Default cap on remembered (timestamp, signature) pairs. */
export const DEFAULT_MAX_REPLAY_ENTRIES = 100_000;

export interface InboundReceiverOptions {
  /** Delivery-key verify list (primary first), or a function read per request (key rotation). */
  verifyKeys: readonly string[] | (() => readonly string[]);
  /** Called with the `event` object of an accepted message delivery; resolve once it is taken. */
  onMessage: (event: Record<string, unknown>) => void | Promise<void>;
  /** Called for an accepted interrupt with a non-empty session key. */
  onInterrupt: (sessionKey: string, chatId: string) => void | Promise<void>;
  /** Body size cap in bytes; larger bodies get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Signature skew window in seconds (also the replay window). Default 300. */
  maxSkewSeconds?: number;
  /** Cap on remembered accepted pairs; when full, new deliveries get 503. Default 100 000. */
  maxReplayEntries?: number;
  /** Clock in milliseconds since the epoch, like `Date.now` (the default). */
  now?: () => number;
  /** Where to report dropped/failed deliveries, at warn only (never with secrets or bodies). Default: silent. */
  logger?: RelayLogger;
}

type Reply = { status: number; body: string; contentType?: string; close?: boolean };

const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value) });
const utf8 = new TextDecoder("utf-8", { fatal: true });
const INTEGER = /^[ \t\n\r\f\v]*([+-]?\d+)[ \t\n\r\f\v]*$/;

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

type BodyRead = { ok: true; bytes: Buffer } | { ok: false; reason: "too_large" | "aborted" };

/** After a 413, keep discarding what the client still sends (so it can read the reply) up to this much. */
const DRAIN_LIMIT_BYTES = 8 * 1024 * 1024;

/** Discard the rest of an oversized body without buffering it; cut the socket past the drain limit. */
function discardRest(req: IncomingMessage): void {
  let drained = 0;
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) req.destroy();
  });
  req.on("error", () => undefined);
  req.resume();
}

/** Read the body up to `cap` bytes, then call `done` exactly once (no promise: this is the hot path). */
function readBody(req: IncomingMessage, cap: number, done: (read: BodyRead) => void): void {
  const declared = Number(header(req, "content-length"));
  if (Number.isFinite(declared) && declared > cap) {
    discardRest(req);
    done({ ok: false, reason: "too_large" });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const settle = (result: BodyRead) => {
    if (settled) return;
    settled = true;
    req.removeListener("data", onData);
    done(result);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > cap) {
      chunks.length = 0;
      settle({ ok: false, reason: "too_large" });
      discardRest(req);
      return;
    }
    chunks.push(chunk);
  };
  req.on("data", onData);
  req.on("end", () =>
    settle({ ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) }),
  );
  req.on("error", () => settle({ ok: false, reason: "aborted" }));
  req.on("close", () =>
    settle(
      req.complete
        ? { ok: true, bytes: Buffer.concat(chunks, size) }
        : { ok: false, reason: "aborted" },
    ),
  );
}

function send(res: ServerResponse, reply: Reply): void {
  try {
    if (res.headersSent || res.destroyed) return;
    res.statusCode = reply.status;
    res.setHeader("content-type", reply.contentType ?? "application/json");
    res.setHeader("content-length", Buffer.byteLength(reply.body));
    if (reply.close) res.setHeader("connection", "close");
    res.end(reply.body);
  } catch {
    // The socket went away under us; nothing left to tell the peer.
  }
}

/**
 * Build the receiver as a `node:http` request listener:
 *
 * - `GET /healthz` → 200 `ok`;
 * - `POST /` (message) and `POST /interrupt`, checked in this order: size cap → 413;
 *   empty verify list → 401 `{"error":"no delivery key configured"}`; strict UTF-8 and the
 *   delivery signature over the raw bytes → 401 `{"error":"invalid delivery signature"}`;
 *   an already-accepted (timestamp, signature) pair → 409 `{"error":"replayed delivery"}`;
 *   JSON → 400 `{"error":"invalid JSON body"}`; interrupt (path or `type:"interrupt"`) →
 *   200 `{"ok":true}`; else `event` must be an object (400 `{"error":"missing event"}`) →
 *   dispatched → 200 `{"ok":true}`. A handler that throws gets 500 `{"error":"handler failed"}`
 *   and the pair is forgotten so the connector may retry.
 */
export function createInboundReceiver(options: InboundReceiverOptions): RequestListener {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxSkew = options.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
  const clock = options.now ?? Date.now;
  const guard = new ReplayGuard(maxSkew, options.maxReplayEntries ?? DEFAULT_MAX_REPLAY_ENTRIES);
  const warn = (message: string) => logSafely(options.logger, "warn", message);

  const keys = (): string[] => {
    try {
      const list =
        typeof options.verifyKeys === "function" ? options.verifyKeys() : options.verifyKeys;
      return Array.isArray(list) ? list.filter(isUsableSecret) : [];
    } catch {
      return [];
    }
  };

  const OK = json(200, { ok: true });
  const failed = (tsValue: bigint, sig: string): Reply => {
    guard.forget(tsValue, sig);
    warn("relay receiver: handler failed; delivery answered 500 so the connector may retry");
    return json(500, { error: "handler failed" });
  };

  /** The reply to a fully read body: synchronous unless the host's handler returns a promise. */
  function afterBody(req: IncomingMessage, path: string, bytes: Buffer): Reply | Promise<Reply> {
    const verifyKeys = keys();
    if (verifyKeys.length === 0) return json(401, { error: "no delivery key configured" });

    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return json(401, { error: "invalid delivery signature" });
    }
    const ts = header(req, DELIVERY_TS_HEADER);
    const sig = header(req, DELIVERY_SIG_HEADER);
    const now = clock();
    if (!verifyDeliverySignature(bytes, ts, sig, verifyKeys, { maxSkewSeconds: maxSkew, now })) {
      return json(401, { error: "invalid delivery signature" });
    }
    const tsValue = BigInt(INTEGER.exec(ts ?? "")?.[1] ?? "0");
    const verdict = guard.admit(tsValue, sig ?? "", Math.floor(now / 1000));
    if (verdict === "replay") {
      warn("relay receiver: replayed delivery rejected (409)");
      return json(409, { error: "replayed delivery" });
    }
    if (verdict === "full") {
      warn("relay receiver: replay table full, delivery refused (503)");
      return json(503, { error: "too many recent deliveries; retry later" });
    }

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return json(400, { error: "invalid JSON body" });
    }
    const payload = isObject(body) ? body : {};

    let handled: void | Promise<void>;
    try {
      if (path === "/interrupt" || payload["type"] === "interrupt") {
        const sessionKey = typeof payload["session_key"] === "string" ? payload["session_key"] : "";
        const chatId =
          typeof payload["chat_id"] === "string" && payload["chat_id"] !== ""
            ? payload["chat_id"]
            : typeof payload["reason"] === "string"
              ? payload["reason"]
              : "";
        if (sessionKey === "") return OK;
        handled = options.onInterrupt(sessionKey, chatId);
      } else {
        const event = payload["event"];
        if (!isObject(event)) return json(400, { error: "missing event" });
        handled = options.onMessage(event);
      }
    } catch {
      return failed(tsValue, sig ?? "");
    }
    if (
      handled !== null &&
      typeof handled === "object" &&
      typeof (handled as Promise<void>).then === "function"
    ) {
      return Promise.resolve(handled).then(
        () => OK,
        () => failed(tsValue, sig ?? ""),
      );
    }
    return OK;
  }

  return (req, res) => {
    // The listener itself never throws or rejects: every path ends in a reply or a closed socket.
    try {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      if (path === "/healthz") {
        send(
          res,
          req.method === "GET" || req.method === "HEAD"
            ? { status: 200, body: "ok", contentType: "text/plain; charset=utf-8" }
            : json(405, { error: "method not allowed" }),
        );
        return;
      }
      if (path !== "/" && path !== "/interrupt")
        return send(res, json(404, { error: "not found" }));
      if (req.method !== "POST") return send(res, json(405, { error: "method not allowed" }));
      readBody(req, maxBody, (read) => {
        if (!read.ok) {
          if (read.reason === "aborted") {
            res.destroy();
            return;
          }
          warn(`relay receiver: body over ${maxBody} bytes rejected (413)`);
          send(res, { ...json(413, { error: "request body too large" }), close: true });
          return;
        }
        let r: Reply | Promise<Reply>;
        try {
          r = afterBody(req, path, read.bytes);
        } catch {
          r = json(500, { error: "internal error" });
        }
        if (r instanceof Promise)
          r.then(
            (done) => send(res, done),
            () => send(res, json(500, { error: "internal error" })),
          );
        else send(res, r);
      });
    } catch {
      send(res, json(500, { error: "internal error" }));
    }
  };
}
