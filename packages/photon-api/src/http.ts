import { setTimeout as delay } from "node:timers/promises";
import { PhotonApiError } from "./errors.js";

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;
/** Receives method, path and status only; never headers, bodies, tokens or secrets. */
export type PhotonLogger = (message: string) => void;

/** A timer that an abort signal cancels (rejecting with an AbortError). */
export const realSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : {});

/** Default cap on a response body: Photon's answers are a few KiB; 4 MiB is far above any. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface HttpOptions {
  fetch: FetchLike;
  sleep: Sleep;
  timeoutMs: number;
  maxRetries: number;
  /** Bodies larger than this are not read: the stream is cancelled and the call fails. */
  maxResponseBytes: number;
  logger?: PhotonLogger | undefined;
}

export interface SendRequest {
  method: string;
  url: string;
  /** Path only, for logs and errors (never carries credentials). */
  label: string;
  headers?: Record<string, string>;
  json?: unknown;
  /** Retry 429/5xx/network errors (idempotent requests only). */
  retry: boolean;
  /** Retry 429s even when `retry` is false (default true; the device poll handles 429 itself). */
  retryRateLimit?: boolean;
  signal?: AbortSignal | undefined;
}

export interface SentResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

function retryAfterMs(headers: Headers, attempt: number): number {
  const raw = headers.get("retry-after");
  const seconds = raw !== null && /^\d+(?:\.\d+)?$/.test(raw.trim()) ? Number(raw) : undefined;
  return seconds !== undefined
    ? Math.min(seconds * 1000, 60_000)
    : Math.min(500 * 2 ** attempt, 8_000);
}

async function backoff(options: HttpOptions, req: SendRequest, ms: number): Promise<void> {
  try {
    await options.sleep(ms, req.signal);
  } catch (cause) {
    throw new PhotonApiError(`${req.method} ${req.label} was cancelled.`, {
      code: "PHOTON_ABORTED",
      cause,
    });
  }
}

function tooLarge(req: SendRequest, res: Response, maxBytes: number): PhotonApiError {
  return new PhotonApiError(
    `${req.method} ${req.label} answered with more than ${maxBytes} bytes (status ${res.status}); the body was not read. Check the host setting, or raise maxResponseBytes if this answer is expected.`,
    { code: "PHOTON_RESPONSE_TOO_LARGE", status: res.status },
  );
}

/**
 * The body as text (UTF-8, like `res.text()`), read as a stream and never more than `maxBytes`
 * of it: past the cap (or when `content-length` already says so) the stream is cancelled, which
 * closes the connection, and the call fails with PHOTON_RESPONSE_TOO_LARGE. A body that breaks
 * off mid-way reads as "" (the status still decides), as before.
 */
async function readCappedText(res: Response, maxBytes: number, req: SendRequest): Promise<string> {
  const body = res.body;
  if (body === null) return "";
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await body.cancel().catch(() => undefined);
    throw tooLarge(req, res, maxBytes);
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(req, res, maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof PhotonApiError) throw error;
    return "";
  }
  return new TextDecoder().decode(Buffer.concat(chunks, size));
}

/** The host (and port) of a request URL, for messages: never its path, query or userinfo. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(unparseable host)";
  }
}

/**
 * Why a fetch failed, as a short word: the system error code undici wraps in `cause`
 * (ECONNREFUSED, ENOTFOUND, …), a timeout, else the error's name. Never the message text.
 */
export function networkReason(error: unknown): string {
  const e = error as
    { name?: unknown; code?: unknown; cause?: { code?: unknown; name?: unknown } } | undefined;
  const code = e?.cause?.code ?? e?.code;
  if (typeof code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  if (e?.name === "TimeoutError" || e?.cause?.name === "TimeoutError") return "timed out";
  // undici's own refusals (e.g. "bad port") are short lower-case words; nothing else is echoed.
  const detail = (e?.cause as { message?: unknown } | undefined)?.message;
  if (typeof detail === "string" && /^[a-z][a-z ]{0,39}$/.test(detail)) return detail;
  return typeof e?.name === "string" ? e.name : "error";
}

/** One request with a per-attempt timeout and bounded retries; never throws raw fetch errors. */
export async function send(options: HttpOptions, req: SendRequest): Promise<SentResponse> {
  for (let attempt = 0; ; attempt++) {
    const signals = [AbortSignal.timeout(options.timeoutMs), ...(req.signal ? [req.signal] : [])];
    let res: Response;
    try {
      res = await options.fetch(req.url, {
        method: req.method,
        headers: {
          accept: "application/json",
          ...(req.json === undefined ? {} : { "content-type": "application/json" }),
          ...req.headers,
        },
        ...(req.json === undefined ? {} : { body: JSON.stringify(req.json) }),
        signal: AbortSignal.any(signals),
      });
    } catch (cause) {
      if (req.signal?.aborted)
        throw new PhotonApiError(`${req.method} ${req.label} was cancelled.`, {
          code: "PHOTON_ABORTED",
          cause,
        });
      options.logger?.(`photon: ${req.method} ${req.label} network error (attempt ${attempt + 1})`);
      if (req.retry && attempt < options.maxRetries) {
        await backoff(options, req, Math.min(500 * 2 ** attempt, 8_000));
        continue;
      }
      throw new PhotonApiError(
        `${req.method} ${req.label} failed: could not reach Photon at ${hostOf(req.url)} (${networkReason(cause)}). Check the network or the host setting and retry.`,
        { code: "PHOTON_NETWORK", cause },
      );
    }
    const text = await readCappedText(res, options.maxResponseBytes, req);
    options.logger?.(`photon: ${req.method} ${req.label} -> ${res.status}`);
    // A 429 was not processed, so even a POST may be retried; 5xx only when idempotent.
    if (
      ((res.status === 429 && req.retryRateLimit !== false) || (req.retry && res.status >= 500)) &&
      attempt < options.maxRetries
    ) {
      await backoff(options, req, retryAfterMs(res.headers, attempt));
      continue;
    }
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, body, text };
  }
}

export function messageOf(body: unknown, text: string): string {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    for (const k of ["message", "error_description", "error"])
      if (typeof b[k] === "string" && b[k]) return b[k] as string;
  }
  return text.slice(0, 200) || "no details";
}
