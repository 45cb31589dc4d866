// A scripted stand-in for the connector's /relay/enroll on 127.0.0.1:0, for the error paths
// the reference connector cannot be made to produce (500, non-JSON, oversize, redirects).
// `GET /healthz` (enroll's reachability preflight) is answered 200 and recorded in `probes`,
// not `seen`, unless `scriptHealthz` hands it to the handler too.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

export type Handler = (req: SeenRequest, res: ServerResponse) => void;

export async function startFakeConnector(
  handler: Handler,
  opts: { scriptHealthz?: boolean } = {},
): Promise<{ url: string; seen: SeenRequest[]; probes: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const probes: SeenRequest[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = {
        method: req.method ?? "",
        url: req.url ?? "",
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      if (r.method === "GET" && r.url.endsWith("/healthz") && opts.scriptHealthz !== true) {
        probes.push(r);
        return sendJson(res, 200, { ok: true });
      }
      seen.push(r);
      handler(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    probes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
