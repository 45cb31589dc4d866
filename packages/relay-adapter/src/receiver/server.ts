// Convenience: create and listen an HTTP server around the inbound receiver (spec §6).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createInboundReceiver, type InboundReceiverOptions } from "./inbound-receiver.js";

export interface InboundReceiverServerOptions extends InboundReceiverOptions {
  /** Bind address. Default 127.0.0.1 (ours; upstream binds 0.0.0.0). */
  host?: string;
  /** Bind port; 0 picks a free one. */
  port: number;
}

export interface InboundReceiverServer {
  readonly server: Server;
  /** `http://host:port` actually bound. */
  readonly url: string;
  readonly port: number;
  /** Stop accepting and close idle connections; resolves when the server is closed. */
  close(): Promise<void>;
}

/** Listen the receiver on `host:port`. Rejects (with the listen error) if the port cannot be bound. */
export function startInboundReceiver(options: InboundReceiverServerOptions): Promise<InboundReceiverServer> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer(createInboundReceiver(options));
  // A client error (malformed request line, reset) must not surface as an unhandled error.
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
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
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
