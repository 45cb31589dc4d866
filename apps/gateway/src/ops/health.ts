// The operator's HTTP surface on a local port (binds 127.0.0.1 unless told otherwise):
// - `GET /healthz`: liveness. 200 while the process runs, with a JSON snapshot of its state.
// - `GET /readyz`: readiness. 200 only while the relay link is up, handshaken and not
//   draining, and the turn journal takes writes; else 503 with `{ready: false, reason}`.
// - `GET /metrics`: Prometheus text exposition (when a metrics source is given).
// Anything else is 404; other methods on these paths are 405.
// The server bounds each socket (header/request/keep-alive timeouts, a connection cap) and its
// close (a request still open after a short grace is cut): a scraper that never finishes its
// request must not hold the gateway's shutdown.
import type { RequestListener } from "node:http";
import { startBoundedHttpServer } from "@hermes/relay-adapter";

export interface HealthState {
  readonly relay: {
    readonly state: string;
    readonly platform: string | null;
    readonly dialCount: number;
    readonly lastClose: { readonly code: number; readonly reason: string } | null;
    readonly authRevoked: boolean;
  } | null;
  readonly turnsInFlight: number;
  readonly draining: boolean;
  /** The iMessage channel's health (`PhotonChannelHealth`) when Photon is enabled. */
  readonly photon?: { readonly state: string };
  /** The turn journal, when there is one: whether it takes writes now, else why not. */
  readonly journal?: { readonly writable: boolean; readonly error: string | null };
}

export type Readiness =
  { readonly ready: true } | { readonly ready: false; readonly reason: string };

/**
 * Ready = the link is handshaken and the gateway takes turns with their crash-safe record. The
 * reason names what is missing.
 */
export function readinessOf(state: HealthState): Readiness {
  if (state.journal !== undefined && !state.journal.writable && !state.draining)
    return { ready: false, reason: `turn journal not writable: ${state.journal.error ?? "error"}` };
  const relay = state.relay;
  if (relay === null && state.photon !== undefined) {
    if (state.draining) return { ready: false, reason: "draining: the gateway is shutting down" };
    return state.photon.state === "running"
      ? { ready: true }
      : { ready: false, reason: `photon channel ${state.photon.state}` };
  }
  if (relay === null) return { ready: false, reason: "no relay link configured" };
  if (relay.authRevoked || relay.state === "disabled")
    return { ready: false, reason: "relay disabled: the connector revoked this gateway's secret" };
  if (state.draining || relay.state === "stopping")
    return { ready: false, reason: "draining: the gateway is shutting down" };
  if (relay.state !== "connected")
    return { ready: false, reason: `relay link ${relay.state} (not handshaken)` };
  return { ready: true };
}

export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

export interface HealthServer {
  /** The `/healthz` URL. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };
const PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

export async function startHealthServer(opts: {
  host: string;
  port: number;
  state: () => HealthState;
  metrics?: MetricsSource;
}): Promise<HealthServer> {
  const listener: RequestListener = (req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (!PATHS.has(path) || (path === "/metrics" && opts.metrics === undefined)) {
      return void res
        .writeHead(404, { "content-type": "application/json" })
        .end('{"error":"not found"}');
    }
    if (req.method !== "GET" && req.method !== "HEAD")
      return void res.writeHead(405, { allow: "GET, HEAD" }).end();
    if (path === "/metrics") {
      opts.metrics!.render().then(
        (text) =>
          res
            .writeHead(200, {
              "content-type": opts.metrics!.contentType,
              "cache-control": "no-store",
            })
            .end(text),
        () =>
          res
            .writeHead(500, { "content-type": "application/json" })
            .end('{"error":"metrics unavailable"}'),
      );
      return;
    }
    let state: HealthState;
    try {
      state = opts.state();
    } catch {
      return void res
        .writeHead(500, { "content-type": "application/json" })
        .end('{"error":"state unavailable"}');
    }
    if (path === "/readyz") {
      const r = readinessOf(state);
      return void res.writeHead(r.ready ? 200 : 503, JSON_HEADERS).end(JSON.stringify(r));
    }
    res
      .writeHead(200, JSON_HEADERS)
      .end(JSON.stringify({ ok: !(state.relay?.authRevoked ?? false), ...state }));
  };
  const server = await startBoundedHttpServer(listener, { host: opts.host, port: opts.port });
  return { url: `${server.url}/healthz`, port: server.port, close: () => server.close() };
}
