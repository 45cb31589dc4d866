// A deliberately low-level connector for transport edge cases the ReferenceConnector is too
// well-behaved to produce: frames split anywhere, garbage lines, unanswered pings, refused
// closes. Each test scripts it through `onConnection`.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyToken } from "@hermes/relay-crypto";
import { WebSocketServer, type WebSocket } from "ws";

export interface RawConnection {
  ws: WebSocket;
  gatewayId: string | null;
  authorization: string | undefined;
  /** Frames received, parsed (one per line). */
  frames: Record<string, unknown>[];
  send(raw: string): void;
  sendFrame(frame: object): void;
  /** Resolves with the next received frame of `type` (or already received). */
  next(type: string): Promise<Record<string, unknown>>;
  /** From now on the gateway's pings go unanswered (frames are still read): a half-open peer. */
  stopAnsweringPings(): void;
  /** From now on the peer reads nothing: no pong, no frame, no reply to a close. */
  stopReading(): void;
}

export class RawConnector {
  readonly connections: RawConnection[] = [];
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #waiters: (() => void)[] = [];
  readonly #answerPings: boolean;
  onConnection: (c: RawConnection) => void = (c) => {
    // Default: answer every hello with a descriptor for its platform.
    void c.next("hello").then((h) =>
      c.sendFrame({
        type: "descriptor",
        descriptor: { platform: h["platform"], contract_version: 1 },
      }),
    );
  };
  /** Verify list; when set, a bad token is closed 4401 right after the upgrade. */
  secrets: string[] | null = null;

  /** `autoPong: false` makes a half-open peer: it never answers the gateway's pings. */
  constructor(opts: { autoPong?: boolean } = {}) {
    this.#answerPings = opts.autoPong ?? true;
    // Pings are answered by #accept, so that one connection can stop answering them.
    this.#wss = new WebSocketServer({ noServer: true, autoPong: false });
    this.#http = createServer((_req, res) => res.writeHead(404).end());
    this.#http.on("upgrade", (req: IncomingMessage, socket, head) => {
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.#http.listen(0, "127.0.0.1", r));
    return this;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.#http.address() as AddressInfo).port}`;
  }

  /** Resolves with connection number `index` (0-based) once it exists. */
  connection(index: number): Promise<RawConnection> {
    const existing = this.connections[index];
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => {
      const check = (): void => {
        const c = this.connections[index];
        if (c) resolve(c);
        else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    this.#wss.close();
    await new Promise<void>((r) => this.#http.close(() => r()));
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    const auth = req.headers.authorization;
    const token = auth?.startsWith("Bearer ") ? auth.slice(7) : "";
    const gatewayId = this.secrets === null ? null : verifyToken(token, this.secrets);
    const frames: Record<string, unknown>[] = [];
    const frameWaiters: (() => void)[] = [];
    const consumed = new WeakSet<object>();
    let partial = "";
    let answerPings = this.#answerPings;
    const conn: RawConnection = {
      ws,
      gatewayId,
      authorization: auth,
      frames,
      send: (raw) => ws.send(raw),
      sendFrame: (frame) => ws.send(`${JSON.stringify(frame)}\n`),
      next: (type) =>
        new Promise((resolve) => {
          const check = (): boolean => {
            const f = frames.find((x) => x["type"] === type && !consumed.has(x));
            if (f === undefined) return false;
            consumed.add(f);
            resolve(f);
            return true;
          };
          if (!check()) {
            const w = (): void => {
              if (!check()) frameWaiters.push(w);
            };
            frameWaiters.push(w);
          }
        }),
      stopAnsweringPings: () => {
        answerPings = false;
      },
      stopReading: () => ws.pause(),
    };
    ws.on("ping", (data) => {
      if (answerPings) ws.pong(data);
    });
    ws.on("message", (data) => {
      partial += data.toString();
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const line of lines) if (line.trim() !== "") frames.push(JSON.parse(line));
      for (const w of frameWaiters.splice(0)) w();
    });
    this.connections.push(conn);
    for (const w of this.#waiters.splice(0)) w();
    if (this.secrets !== null && gatewayId === null) {
      ws.close(4401, "unauthorized");
      return;
    }
    this.onConnection(conn);
  }
}
