// Convenience: create and listen an HTTP server around the inbound receiver (docs/contract/relay.md#signed-http-receiver).
// The server, not the request listener, owns the socket limits: a slowloris client (headers
// or body dribbled in forever) is cut by the header / request timeouts, an idle keep-alive
// socket by the keep-alive timeout, and sockets past the connection cap are closed on accept.
// Node's defaults (60 s headers, 300 s request, checked every 30 s, no cap) let such sockets
// live for minutes and pile up without bound. Node stops checking those two timeouts once
// `server.close()` is called, so close() itself cuts what is still open after a short grace:
// otherwise one silent client mid-request holds a shutdown forever. `startBoundedHttpServer`
// is the same server around any request listener (the gateway's health port and Photon webhook
// receiver use it).
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createInboundReceiver, type InboundReceiverOptions } from "./inbound-receiver.js";

export interface BoundedHttpServerOptions {
  /** Bind address. Default 127.0.0.1 (ours; upstream binds 0.0.0.0). */
  host?: string;
  /** Bind port; 0 picks a free one. */
  port: number;
  /** Time a client has to send the complete request headers, in ms; then 408 and close. Default 10 000. */
  headersTimeoutMs?: number;
  /** Time a client has to send the complete request (headers and body), in ms; then 408 and close. Default 30 000. */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive socket is kept after a response, in ms. Default 5 000. */
  keepAliveTimeoutMs?: number;
  /** Open sockets at most; one accepted past this is closed at once. Default 1 024. */
  maxConnections?: number;
  /**
   * On close(), how long a request still in progress may finish before its socket is destroyed,
   * in ms. Default 2 000.
   */
  closeGraceMs?: number;
}

export interface InboundReceiverServerOptions
  extends InboundReceiverOptions, BoundedHttpServerOptions {}

/** Default time to receive the request headers (Node's: 60 s). */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Default time to receive the whole request (Node's: 300 s); a 1 MiB body needs ~35 KB/s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Default keep-alive idle time (Node's default too). */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Default cap on open sockets (Node's: none). */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** Default time close() leaves a request in progress before destroying its socket (Node's: forever). */
export const DEFAULT_CLOSE_GRACE_MS = 2_000;

export class InboundReceiverOptionsError extends RangeError {
  readonly code = "RECEIVER_BAD_OPTION";
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new InboundReceiverOptionsError(
      `${name} must be a positive integer, got ${String(value)}`,
    );
  return v;
}

export interface BoundedHttpServer {
  readonly server: Server;
  /** `http://host:port` actually bound. */
  readonly url: string;
  readonly port: number;
  /**
   * Stop accepting and close idle connections; a request still in progress after
   * `closeGraceMs` has its socket destroyed. Resolves when the server is closed.
   */
  close(): Promise<void>;
}

export type InboundReceiverServer = BoundedHttpServer;

/** Listen the receiver on `host:port`. Rejects (with the listen error) if the port cannot be bound. */
export function startInboundReceiver(
  options: InboundReceiverServerOptions,
): Promise<InboundReceiverServer> {
  let listener: RequestListener;
  try {
    listener = createInboundReceiver(options);
  } catch (e) {
    return Promise.reject(e as Error);
  }
  return startBoundedHttpServer(listener, options);
}

/**
 * Listen `listener` on `host:port` with the socket limits above (header and request timeouts,
 * keep-alive timeout, connection cap, a bounded close). Rejects with
 * {@link InboundReceiverOptionsError} for an impossible limit, or with the listen error.
 */
export function startBoundedHttpServer(
  listener: RequestListener,
  options: BoundedHttpServerOptions,
): Promise<BoundedHttpServer> {
  const host = options.host ?? "127.0.0.1";
  let headersTimeout: number,
    requestTimeout: number,
    keepAliveTimeout: number,
    maxConnections: number,
    closeGrace: number;
  try {
    headersTimeout = positiveInteger(
      "headersTimeoutMs",
      options.headersTimeoutMs,
      DEFAULT_HEADERS_TIMEOUT_MS,
    );
    requestTimeout = positiveInteger(
      "requestTimeoutMs",
      options.requestTimeoutMs,
      Math.max(DEFAULT_REQUEST_TIMEOUT_MS, headersTimeout),
    );
    keepAliveTimeout = positiveInteger(
      "keepAliveTimeoutMs",
      options.keepAliveTimeoutMs,
      DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    );
    maxConnections = positiveInteger(
      "maxConnections",
      options.maxConnections,
      DEFAULT_MAX_CONNECTIONS,
    );
    closeGrace = positiveInteger("closeGraceMs", options.closeGraceMs, DEFAULT_CLOSE_GRACE_MS);
    if (headersTimeout > requestTimeout) {
      throw new InboundReceiverOptionsError(
        `headersTimeoutMs (${headersTimeout}) must not exceed requestTimeoutMs (${requestTimeout})`,
      );
    }
  } catch (e) {
    return Promise.reject(e as Error);
  }
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout,
      // Node checks the two timeouts on this interval (default 30 s): check often enough that
      // a timed-out socket lives at most ~a quarter longer than its timeout.
      connectionsCheckingInterval: Math.min(1_000, Math.max(10, Math.floor(headersTimeout / 4))),
    },
    listener,
  );
  server.maxConnections = maxConnections;
  // A client error (malformed request line, reset, a timeout) must not surface as an
  // unhandled error. Answer if we still can, then close: never leave the socket half-open
  // for a client that would keep dribbling bytes into it.
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable) {
      // As Node's own handler answers: 431 for headers over --max-http-header-size (16 KiB).
      const status =
        err.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? "408 Request Timeout"
          : err.code === "HPE_HEADER_OVERFLOW"
            ? "431 Request Header Fields Too Large"
            : "400 Bad Request";
      socket.write(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    }
    socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.removeListener("error", reject);
      const { port } = server.address() as AddressInfo;
      const shownHost = host.includes(":") ? `[${host}]` : host;
      resolve({
        server,
        port,
        url: `http://${shownHost}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            // Node stops enforcing the timeouts above once close() is called: without this
            // cut, a client that never finishes its request would keep the server open forever.
            const cut = setTimeout(() => server.closeAllConnections(), closeGrace);
            server.close(() => {
              clearTimeout(cut);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
