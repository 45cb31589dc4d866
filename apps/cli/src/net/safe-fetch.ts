// One HTTP exchange carrying a credential, done carefully: no bearer over plain http to a
// non-loopback host, redirects followed by hand (the Authorization header never crosses to
// another origin, a credential-bearing body is never re-sent elsewhere), a hard timeout,
// Ctrl-C honoured, and the response size capped.
import { isLoopbackHost } from "@hermes/settings";
import { CancelledError, CliError } from "../errors.js";

export interface SafeRequest {
  url: URL;
  method: "GET" | "POST";
  headers?: Record<string, string>;
  /** Sent as `Authorization: Bearer …`, only to the original origin. */
  bearer?: string;
  body?: string;
  /** The body itself carries a credential (e.g. a client secret): never re-sent to another origin. */
  bodyIsSecret?: boolean;
  allowInsecureHttp: boolean;
  timeoutMs: number;
  maxBytes: number;
  /** "the connector", "the IdP token endpoint": used in messages. */
  peer: string;
  /** Shown in "Could not reach <peer> at <this>" (default: the request's origin). */
  peerUrl?: string;
  fetch: typeof globalThis.fetch;
  signal: AbortSignal;
}

export interface SafeResponse {
  status: number;
  contentType: string;
  body: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/** The shared definition (@hermes/settings): literally 127.0.0.0/8, ::1 and `localhost`, not `*.localhost`. */

/** Throws unless `url` may carry a credential. */
export function assertSecureTransport(url: URL, allowInsecureHttp: boolean, peer: string): void {
  if (url.protocol === "https:") return;
  if (url.protocol !== "http:") {
    throw new CliError("bad-url", `Unsupported URL scheme for ${peer}: ${url.protocol}`, {
      hints: ["Use an https:// URL."],
    });
  }
  if (isLoopbackHost(url.hostname) || allowInsecureHttp) return;
  throw new CliError(
    "insecure-http",
    `Refusing to send credentials to ${peer} over plain http:// (${url.host}).`,
    {
      hints: ["Use https://, or pass --allow-insecure-http if this network path is trusted."],
    },
  );
}

function reasonOf(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; message?: string };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

async function readCapped(res: Response, maxBytes: number, peer: string): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  const tooBig = () =>
    new CliError(
      "response-too-large",
      `The response from ${peer} is larger than ${maxBytes} bytes; refusing to read it.`,
    );
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw tooBig();
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooBig();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function safeRequest(req: SafeRequest): Promise<SafeResponse> {
  const origin = req.url.origin;
  let url = req.url;
  let method: "GET" | "POST" = req.method;
  let body = req.body;
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = AbortSignal.any([req.signal, timeout]);
  for (let hop = 0; ; hop++) {
    const sameOrigin = url.origin === origin;
    const bearer = sameOrigin ? req.bearer : undefined;
    if (bearer !== undefined || (body !== undefined && req.bodyIsSecret)) {
      assertSecureTransport(url, req.allowInsecureHttp, req.peer);
    }
    const headers: Record<string, string> = { ...req.headers };
    if (bearer !== undefined) headers.Authorization = `Bearer ${bearer}`;
    if (body === undefined) delete headers["Content-Type"];
    let res: Response;
    try {
      res = await req.fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: "manual",
        signal,
      });
    } catch (err) {
      if (req.signal.aborted) throw new CancelledError();
      if (timeout.aborted) {
        throw new CliError(
          "unreachable",
          `Could not reach ${req.peer} at ${req.peerUrl ?? url.origin}: timed out after ${Math.round(req.timeoutMs / 1000)} s`,
        );
      }
      throw new CliError(
        "unreachable",
        `Could not reach ${req.peer} at ${req.peerUrl ?? url.origin}: ${reasonOf(err)}`,
        { cause: err },
      );
    }
    const location = res.headers.get("location");
    if (REDIRECTS.has(res.status) && location) {
      await res.body?.cancel().catch(() => {});
      if (hop >= MAX_REDIRECTS)
        throw new CliError("too-many-redirects", `Too many redirects from ${req.peer}.`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new CliError("bad-redirect", `${req.peer} sent an invalid redirect.`);
      }
      if (res.status === 307 || res.status === 308) {
        if (body !== undefined && req.bodyIsSecret && next.origin !== origin) {
          throw new CliError(
            "cross-origin-redirect",
            `${req.peer} redirected a credential-bearing request to another host (${next.host}); not following.`,
          );
        }
      } else if (method === "POST") {
        method = "GET";
        body = undefined;
      }
      url = next;
      continue;
    }
    try {
      const text = await readCapped(res, req.maxBytes, req.peer);
      return { status: res.status, contentType: res.headers.get("content-type") ?? "", body: text };
    } catch (err) {
      if (err instanceof CliError) throw err;
      if (req.signal.aborted) throw new CancelledError();
      throw new CliError(
        "unreachable",
        `Could not read the response from ${req.peer}: ${reasonOf(err)}`,
        { cause: err },
      );
    }
  }
}

/** JSON object or undefined (never throws). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
