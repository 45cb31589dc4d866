// `GET /healthz` on a local port: a JSON snapshot from a state provider. Anything else is
// 404 (405 for other methods on /healthz). Binds 127.0.0.1 unless told otherwise.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface HealthState {
  readonly relay: { readonly state: string; readonly platform: string | null; readonly dialCount: number; readonly lastClose: { readonly code: number; readonly reason: string } | null; readonly authRevoked: boolean } | null;
  readonly turnsInFlight: number;
  readonly draining: boolean;
}

export interface HealthServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startHealthServer(opts: { host: string; port: number; state: () => HealthState }): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/healthz") return void res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
    if (req.method !== "GET" && req.method !== "HEAD") return void res.writeHead(405, { allow: "GET" }).end();
    let body: string;
    try {
      body = JSON.stringify({ ok: !(opts.state().relay?.authRevoked ?? false), ...opts.state() });
    } catch {
      return void res.writeHead(500, { "content-type": "application/json" }).end('{"error":"state unavailable"}');
    }
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}/healthz`,
    port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
