// The gateway's client for the connector's media routes (docs/contract/relay-media.md). Media travels
// by reference: an inbound event names `{base}/relay/media/{id}`, which `download` streams into
// the per-gateway cache; an agent's file is `upload`ed and its reference sent with `send_media`.
// Both present the gateway's upgrade token as the bearer, and only to the connector's own
// origin. Neither throws: every failure is a typed result with a message fit for a log.
import { randomBytes } from "node:crypto";
import {
  createWriteStream,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  type WriteStream,
} from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { makeUpgradeToken } from "@hermes/relay-crypto";
import { pruneMediaCache, type MediaCacheBounds } from "./media-cache.js";
import { extensionForMime, extensionOf, MEDIA_MAX_BYTES, mimeForName } from "./media-types.js";
import { parseMediaReference } from "./media-url.js";

export type MediaErrorCode =
  | "MEDIA_NOT_RELAY_URL"
  | "MEDIA_REDIRECT"
  | "MEDIA_HTTP_STATUS"
  | "MEDIA_TOO_LARGE"
  | "MEDIA_EMPTY"
  | "MEDIA_TIMEOUT"
  | "MEDIA_ABORTED"
  | "MEDIA_NETWORK"
  | "MEDIA_FILE"
  | "MEDIA_BAD_RESPONSE";

export type MediaFailure = {
  readonly ok: false;
  readonly code: MediaErrorCode;
  readonly message: string;
};
export type MediaDownloadResult =
  | { readonly ok: true; readonly path: string; readonly size: number; readonly cached: boolean }
  | MediaFailure;
export type MediaUploadResult =
  | { readonly ok: true; readonly url: string; readonly id: string; readonly size: number }
  | MediaFailure;

export interface RelayMediaClientOptions {
  /** The connector's HTTP base (`relayHttpBase(relayUrl)`). */
  readonly baseUrl: string;
  readonly gatewayId: string;
  readonly secret: string;
  /** Where downloads are cached; created on first use. One directory per gateway. */
  readonly cacheDir: string;
  readonly cache?: MediaCacheBounds;
  /** Size cap of one object (default and maximum: 25 MiB). */
  readonly maxBytes?: number;
  /** A whole download or upload (default 60 s). */
  readonly timeoutMs?: number;
  /** No byte for this long ends a download (default 15 s). */
  readonly stallMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

const USER_AGENT = "hermes-relay-gateway (media)";
/** An upload's answer is `{"id": "…"}`: more than this is not one, and is not read further. */
export const UPLOAD_ANSWER_MAX_BYTES = 64 * 1024;

/**
 * The upload answer's text, read as it arrives and never more than UPLOAD_ANSWER_MAX_BYTES of
 * it (null past that: the stream is cancelled). A body that breaks off reads as "".
 */
async function readUploadAnswer(res: Response): Promise<string | null> {
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > UPLOAD_ANSWER_MAX_BYTES) {
        await reader.cancel().catch(() => undefined);
        return null;
      }
      chunks.push(value);
    }
  } catch {
    return "";
  }
  return Buffer.concat(chunks).toString("utf8");
}

function fail(code: MediaErrorCode, message: string): MediaFailure {
  return { ok: false, code, message };
}

class TooLarge extends Error {}

export class RelayMediaClient {
  readonly #opts: RelayMediaClientOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #maxBytes: number;
  readonly #base: string;

  constructor(opts: RelayMediaClientOptions) {
    this.#opts = opts;
    this.#fetch = opts.fetch ?? fetch;
    this.#now = opts.now ?? Date.now;
    this.#maxBytes = Math.min(opts.maxBytes ?? MEDIA_MAX_BYTES, MEDIA_MAX_BYTES);
    let base = opts.baseUrl;
    while (base.endsWith("/")) base = base.slice(0, -1);
    this.#base = base;
  }

  get cacheDir(): string {
    return this.#opts.cacheDir;
  }

  /** Whether `url` is one of the connector's media references (and so may get the bearer). */
  isRelayMediaUrl(url: string): boolean {
    return parseMediaReference(url, this.#base).ok;
  }

  #bearer(): string {
    return `Bearer ${makeUpgradeToken(this.#opts.gatewayId, this.#opts.secret)}`;
  }

  /**
   * Stream a media reference into the cache. A cached id is served from disk. Refused: another
   * origin or path shape, a redirect, a declared or actual size over the cap, an empty body, no
   * progress for `stallMs`. A partial file never stays behind.
   */
  async download(
    url: string,
    opts: {
      signal?: AbortSignal | undefined;
      mime?: string | null | undefined;
      filename?: string | null | undefined;
    } = {},
  ): Promise<MediaDownloadResult> {
    const ref = parseMediaReference(url, this.#base);
    if (!ref.ok)
      return fail(
        "MEDIA_NOT_RELAY_URL",
        `not a connector media reference (${ref.reason}); left as a URL`,
      );
    const ext = extensionOf(opts.filename ?? "") || extensionForMime(opts.mime ?? null);
    const dir = this.#opts.cacheDir;
    const finalPath = join(dir, `${ref.id}${ext}`);
    const hit = this.#cached(finalPath);
    if (hit !== null) return { ok: true, path: finalPath, size: hit, cached: true };
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      return fail("MEDIA_FILE", `cannot create the media cache ${dir}: ${(e as Error).message}`);
    }
    const timeout = new AbortController();
    const total = setTimeout(() => timeout.abort("timeout"), this.#opts.timeoutMs ?? 60_000);
    const stallMs = this.#opts.stallMs ?? 15_000;
    const stall = setTimeout(() => timeout.abort("stall"), stallMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout.signal]) : timeout.signal;
    const tmp = join(dir, `.${ref.id}.${randomBytes(4).toString("hex")}.part`);
    let out: WriteStream | null = null;
    let size = 0;
    try {
      const res = await this.#fetch(`${this.#base}/relay/media/${ref.id}`, {
        headers: { authorization: this.#bearer(), "user-agent": USER_AGENT },
        redirect: "manual",
        signal,
      });
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        return fail(
          "MEDIA_REDIRECT",
          `the connector answered a redirect (HTTP ${res.status}); redirects are not followed`,
        );
      }
      if (!res.ok || res.body === null) {
        await res.body?.cancel();
        return fail("MEDIA_HTTP_STATUS", `the connector answered HTTP ${res.status}`);
      }
      const declared = Number(res.headers.get("content-length"));
      if (Number.isFinite(declared) && declared > this.#maxBytes) {
        await res.body.cancel();
        return fail(
          "MEDIA_TOO_LARGE",
          `the media is ${declared} bytes, over the ${this.#maxBytes}-byte cap`,
        );
      }
      const cap = this.#maxBytes;
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      // Counted beside the pipe (no extra stream stage): Content-Length may lie, the bytes do not.
      body.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > cap) body.destroy(new TooLarge());
        else stall.refresh(); // cheaper than a new timer per chunk
      });
      out = createWriteStream(tmp, { flags: "wx", mode: 0o600 });
      await pipeline(body, out, { signal });
      if (size === 0) return fail("MEDIA_EMPTY", "the connector sent an empty body");
      renameSync(tmp, finalPath);
    } catch (e) {
      if (e instanceof TooLarge)
        return fail(
          "MEDIA_TOO_LARGE",
          `the media is over the ${this.#maxBytes}-byte cap (more bytes than announced)`,
        );
      if (timeout.signal.aborted) {
        const why =
          timeout.signal.reason === "stall"
            ? `no data for ${stallMs} ms`
            : "the download took too long";
        return fail("MEDIA_TIMEOUT", `${why}; stopped`);
      }
      if (opts.signal?.aborted) return fail("MEDIA_ABORTED", "the turn was interrupted");
      // fs errors name their system call; network errors do not (or name a socket's).
      const syscall = (e as { syscall?: unknown }).syscall;
      if (syscall === "open" || syscall === "write" || syscall === "rename")
        return fail("MEDIA_FILE", `cannot write the media cache: ${(e as Error).message}`);
      return fail("MEDIA_NETWORK", `could not fetch the media: ${(e as Error).message}`);
    } finally {
      clearTimeout(total);
      clearTimeout(stall);
      // A refused body can end the pipeline while the partial file's open is still pending (on
      // a busy thread pool): wait for the stream to close, or the open would create the file
      // after it was removed (seen once in CI: a `.part` file left behind).
      if (out !== null && !out.closed) {
        const closing = out;
        await new Promise<void>((resolve) => {
          closing.once("close", () => resolve());
          closing.destroy();
        });
      }
      rmSync(tmp, { force: true });
    }
    pruneMediaCache(dir, this.#opts.cache ?? {}, this.#now(), finalPath);
    return { ok: true, path: finalPath, size, cached: false };
  }

  /** The size of a cached file (and mark it used), or null. */
  #cached(path: string): number | null {
    try {
      const st = statSync(path);
      if (!st.isFile() || st.size === 0) return null;
      const now = new Date(this.#now());
      utimesSync(path, now, now);
      return st.size;
    } catch {
      return null;
    }
  }

  /** POST a local file to `{base}/relay/media`; resolves with its reference for `send_media`. */
  async upload(
    path: string,
    opts: {
      filename?: string | undefined;
      mime?: string | undefined;
      signal?: AbortSignal | undefined;
    } = {},
  ): Promise<MediaUploadResult> {
    let bytes: Buffer;
    try {
      const st = await stat(path);
      if (!st.isFile()) return fail("MEDIA_FILE", `${path} is not a regular file`);
      if (st.size === 0) return fail("MEDIA_EMPTY", `${path} is empty`);
      if (st.size > this.#maxBytes)
        return fail(
          "MEDIA_TOO_LARGE",
          `${path} is ${st.size} bytes, over the ${this.#maxBytes}-byte cap`,
        );
      bytes = await readFile(path);
    } catch (e) {
      return fail("MEDIA_FILE", `cannot read ${path}: ${(e as Error).message}`);
    }
    if (bytes.length === 0 || bytes.length > this.#maxBytes)
      return fail("MEDIA_TOO_LARGE", `${path} changed size while read`);
    const filename = (opts.filename ?? basename(path)).slice(0, 255);
    const timeout = AbortSignal.timeout(this.#opts.timeoutMs ?? 60_000);
    let res: Response;
    try {
      res = await this.#fetch(`${this.#base}/relay/media`, {
        method: "POST",
        headers: {
          authorization: this.#bearer(),
          "content-type": opts.mime ?? mimeForName(filename),
          // Header values are Latin-1: a non-ASCII name is sent percent-encoded.
          "x-media-filename": /^[\x20-\x7e]*$/.test(filename)
            ? filename
            : encodeURIComponent(filename).slice(0, 255),
          "user-agent": USER_AGENT,
        },
        body: bytes,
        redirect: "manual",
        signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
      });
    } catch (e) {
      if (timeout.aborted) return fail("MEDIA_TIMEOUT", "the upload took too long; stopped");
      if (opts.signal?.aborted) return fail("MEDIA_ABORTED", "the turn was interrupted");
      return fail("MEDIA_NETWORK", `could not upload the media: ${(e as Error).message}`);
    }
    if (!res.ok) {
      // Only the status matters: the body is not read (it could be endless).
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 300 && res.status < 400)
        return fail("MEDIA_REDIRECT", `the connector answered a redirect (HTTP ${res.status})`);
      if (res.status === 413)
        return fail("MEDIA_TOO_LARGE", "the connector refused the media as too large (HTTP 413)");
      return fail("MEDIA_HTTP_STATUS", `the connector answered HTTP ${res.status}`);
    }
    const text = await readUploadAnswer(res);
    if (text === null)
      return fail(
        "MEDIA_BAD_RESPONSE",
        `the connector's answer is over ${UPLOAD_ANSWER_MAX_BYTES} bytes; not read further`,
      );
    let id: unknown;
    try {
      id = (JSON.parse(text) as { id?: unknown }).id;
    } catch {
      id = undefined;
    }
    const url = `${this.#base}/relay/media/${typeof id === "string" ? id : ""}`;
    if (typeof id !== "string" || !parseMediaReference(url, this.#base).ok)
      return fail("MEDIA_BAD_RESPONSE", "the connector's answer has no usable media id");
    return { ok: true, url, id, size: bytes.length };
  }
}
