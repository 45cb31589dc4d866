// ReferenceConnector: a real connector on 127.0.0.1, faithful to the relay contract, for
// testing gateways (ours, or one written in any language) over loopback. It speaks the
// WebSocket link of docs/contract/relay.md (upgrade auth, hellos/descriptors, outbound results, interrupts,
// going_idle, durable-per-instance buffering with replay and acks, revocation) and serves the
// connector HTTP routes plus a small control API (see connector-http.ts).
import { EventEmitter, once } from "node:events";
import { appendFileSync, mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { signDelivery, verifyToken } from "@hermes/relay-crypto";
import { WebSocketServer, type WebSocket } from "ws";
import { encodeFrame, FrameDecoder } from "../protocol/framing.js";
import { parseGatewayFrame } from "../protocol/frames.js";
import type {
  ConnectorFrame,
  Descriptor,
  OutboundAction,
  OutboundResult,
  WireMessageEvent,
  WirePassthroughForward,
} from "../protocol/types.js";
import { handleConnectorHttp, type HttpRoute } from "./connector-http.js";
import type {
  BufferedItem,
  ConnectorState,
  OutboundAnswer,
  OutboundRecord,
  PushResult,
} from "./connector-types.js";
import { ChatSurface } from "./chat-surface.js";
import { mintSecret, randomHex } from "./secrets.js";

export type {
  BufferedItem,
  ConnectorState,
  OutboundAnswer,
  OutboundRecord,
  PushResult,
} from "./connector-types.js";
import { referenceDescriptor } from "./descriptors.js";

export interface ReferenceConnectorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Accepted gateways: id → verify list (primary secret first). */
  gateways?: Record<string, string[]>;
  /** Per-platform descriptor overrides. */
  descriptors?: Record<string, Partial<Descriptor>>;
  /** Accept an upgrade without Authorization as gateway "anonymous" (dev only). */
  allowUnauthenticated?: boolean;
  /** Caller identity tokens accepted by /relay/enroll and /relay/provision; default: any non-empty bearer. */
  identityTokens?: string[];
  /** Also append every buffered item to `<bufferDir>/<gatewayId>.jsonl`. */
  bufferDir?: string;
  /**
   * Enforce the egress guard as a real connector does: an outbound action naming a `chat_id`
   * is declined (`code: "egress_declined"`) unless that chat was delivered to this gateway on
   * the frame's platform and the action's `metadata` names the chat's scope (`scope_id` /
   * `guild_id`) or, failing that, a user seen in it (`user_id`). Default false.
   */
  egressGuard?: boolean;
  logger?: { info?(m: string): void; warn?(m: string): void };
}

interface GatewayState {
  secrets: string[];
  revoked: boolean;
  /** Flipped to buffered-only by going_idle (or never connected yet). */
  buffered: boolean;
  buffer: BufferedItem[];
  wakeUrl: string | null;
  woke: boolean;
  dials: number;
  /** Chats delivered to this gateway: where the egress guard lets a reply go. */
  chats: Map<string, { platform: string; scope: string | null; users: Set<string> }>;
  /** `command_manifest` of the last hello per platform. */
  manifests: Map<string, unknown>;
}

interface Conn {
  ws: WebSocket;
  gatewayId: string;
  handshaken: boolean;
  platforms: string[];
  /** platform → botId, from this connection's hellos. */
  identities: Map<string, string>;
}

export class ReferenceConnector extends EventEmitter {
  readonly outbound: OutboundRecord[] = [];
  readonly interrupts: { gatewayId: string; session_key: string; reason: string | null }[] = [];
  readonly policies: Record<string, unknown>[] = [];
  readonly provisions: Record<string, unknown>[] = [];
  /** What a chat user would see: messages with edits applied, media, prompts, typing, reactions. */
  readonly chat = new ChatSurface(this);
  readonly #opts: ReferenceConnectorOptions;
  readonly #gateways = new Map<string, GatewayState>();
  readonly #conns = new Set<Conn>();
  readonly #http: Server;
  readonly #wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 32 * 1024 * 1024,
  });
  #onOutbound: ((r: OutboundRecord) => OutboundAnswer | Promise<OutboundAnswer>) | null = null;
  readonly #declines: ((r: OutboundRecord) => boolean)[] = [];
  /**
   * The per-run secret the control API (`/dev/*`) requires as `Authorization: Bearer <token>`:
   * random for each connector, so a web page on the same machine cannot drive it.
   */
  readonly controlToken = mintSecret();
  /** Every WebSocket upgrade attempt on /relay, accepted or refused. */
  upgradeCount = 0;
  #nextBuffer = 1;
  #nextMessage = 1;
  #port = 0;
  /** @internal used by the HTTP routes */
  readonly failures = new Map<HttpRoute, { status: number; body: unknown }>();
  /** @internal enrollment tokens → tenant (single use) */
  readonly enrollmentTokens = new Map<string, { tenant: string }>();
  /** @internal delivery keys minted by enroll/provision */
  readonly deliveryKeys = new Map<string, string>();
  /** Media in the store (uploads and `publishMedia`), by id: for assertions. */
  readonly media = new Map<
    string,
    { bytes: Buffer; contentType: string; filename: string | null }
  >();

  constructor(opts: ReferenceConnectorOptions = {}) {
    super();
    this.#opts = opts;
    for (const [id, secrets] of Object.entries(opts.gateways ?? {})) this.addGateway(id, secrets);
    this.#http = createServer((req, res) => {
      handleConnectorHttp(this, req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end('{"error":"internal error"}');
      });
    });
    this.#http.on("upgrade", (req, socket, head) => this.#upgrade(req, socket, head));
    this.#http.on("clientError", (_e, socket) => socket.destroy());
  }

  // ── lifecycle ───────────────────────────────────────────────────────
  async start(): Promise<this> {
    this.#http.listen(this.#opts.port ?? 0, this.#opts.host ?? "127.0.0.1");
    await once(this.#http, "listening");
    this.#port = (this.#http.address() as AddressInfo).port;
    return this;
  }

  /** Close every socket and the server (bounded: sockets are terminated). */
  async stop(): Promise<void> {
    for (const c of this.#conns) c.ws.terminate();
    this.#wss.close();
    this.#http.closeAllConnections();
    await new Promise<void>((r) => this.#http.close(() => r()));
  }

  get port(): number {
    return this.#port;
  }
  get baseUrl(): string {
    const host = this.#opts.host ?? "127.0.0.1";
    return `http://${host.includes(":") ? `[${host}]` : host}:${this.#port}`;
  }
  /** The WebSocket URL a gateway dials. */
  get url(): string {
    return `${this.baseUrl.replace(/^http/, "ws")}/relay`;
  }
  /** The control API's base URL; every call needs `controlToken` (see TESTING.md). */
  get controlUrl(): string {
    return `${this.baseUrl}/dev`;
  }
  /** @internal caller identity tokens for enroll / provision (undefined: any non-empty bearer) */
  get identityTokens(): readonly string[] | undefined {
    return this.#opts.identityTokens;
  }
  get connections(): number {
    return this.#conns.size;
  }

  // ── gateways ────────────────────────────────────────────────────────
  /** Accept (or re-key) a gateway with this verify list. */
  addGateway(gatewayId: string, secrets: string[]): void {
    const g = this.#gateway(gatewayId);
    g.secrets = [...secrets];
    g.revoked = false;
  }
  hasGateway(gatewayId: string): boolean {
    return this.#gateways.has(gatewayId) && this.#gateways.get(gatewayId)!.secrets.length > 0;
  }
  /** Revoke: live sockets are closed 4401 and new upgrades refused. */
  revoke(gatewayId: string): void {
    this.#gateway(gatewayId).revoked = true;
    for (const c of this.#conns) if (c.gatewayId === gatewayId) c.ws.close(4401, "unauthorized");
  }
  /** Close every live socket (default 1012 "service restart"), or terminate without a close frame. */
  dropConnections(
    code = 1012,
    reason = "service restart",
    opts: { terminate?: boolean } = {},
  ): void {
    for (const c of this.#conns) {
      if (opts.terminate) c.ws.terminate();
      else c.ws.close(code, reason);
    }
  }
  dialCount(gatewayId: string): number {
    return this.#gateways.get(gatewayId)?.dials ?? 0;
  }
  /** A copy of the gateway's unacked buffer, in order. */
  bufferOf(gatewayId: string): BufferedItem[] {
    return [...(this.#gateways.get(gatewayId)?.buffer ?? [])];
  }
  isConnected(gatewayId: string): boolean {
    return this.#live(gatewayId) !== null;
  }
  /** @internal set by /relay/provision */
  setWakeUrl(gatewayId: string, url: string | null): void {
    this.#gateway(gatewayId).wakeUrl = url;
  }
  /** Verify an upgrade token (payload = gateway id). @internal also used by the HTTP routes. */
  authenticate(
    authorization: string | undefined,
  ): { gatewayId: string } | { error: "unauthorized" | "expired" } {
    const token = authorization?.startsWith("Bearer ") ? authorization.slice(7).trim() : "";
    if (token === "") {
      return this.#opts.allowUnauthenticated
        ? { gatewayId: "anonymous" }
        : { error: "unauthorized" };
    }
    for (const [id, g] of this.#gateways) {
      if (g.secrets.length === 0) continue;
      if (verifyToken(token, g.secrets, { now: 0 }) !== id) continue; // signature, expiry ignored
      // A revoked gateway is refused as unauthorized whatever the token's age.
      if (g.revoked) return { error: "unauthorized" };
      return verifyToken(token, g.secrets) === id ? { gatewayId: id } : { error: "expired" };
    }
    return { error: "unauthorized" };
  }

  // ── scripting ───────────────────────────────────────────────────────
  /** Decide the answer to each outbound action (default: success with a message id). */
  onOutbound(fn: ((r: OutboundRecord) => OutboundAnswer | Promise<OutboundAnswer>) | null): void {
    this.#onOutbound = fn;
  }
  /**
   * Decline (`code: "egress_declined"`, the uniform text) every outbound action `match`
   * accepts, until `clearDeclines()`. Evaluated before `onOutbound`.
   */
  declineEgress(match: (r: OutboundRecord) => boolean = () => true): void {
    this.#declines.push(match);
  }
  clearDeclines(): void {
    this.#declines.length = 0;
  }
  /** The `command_manifest` the gateway sent on its last `hello` for `platform`, if any. */
  commandManifestOf(gatewayId: string, platform = "discord"): unknown {
    return this.#gateways.get(gatewayId)?.manifests.get(platform);
  }
  /** platform → botId of the gateway's live connection (from its hellos), in hello order. */
  identitiesOf(gatewayId: string): Record<string, string> {
    return Object.fromEntries(this.#live(gatewayId)?.identities ?? []);
  }
  /** Make the next request to an HTTP route fail with this status and JSON body. */
  failNext(route: HttpRoute, failure: { status: number; body?: unknown }): void {
    this.failures.set(route, {
      status: failure.status,
      body: failure.body ?? { error: `injected failure (${failure.status})` },
    });
  }
  /** A single-use enrollment token for `POST /relay/enroll`. */
  issueEnrollmentToken(opts: { tenant?: string } = {}): string {
    const token = `enr_${randomHex(16)}`;
    this.enrollmentTokens.set(token, { tenant: opts.tenant ?? "tenant-dev" });
    return token;
  }

  /** Resolves with the next emitted `event` whose first argument passes `predicate`. */
  waitFor<T = unknown>(
    event: string,
    predicate: (arg: T) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off(event, listener);
        reject(new Error(`ReferenceConnector: no "${event}" event within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (arg: T): void => {
        if (!predicate(arg)) return;
        clearTimeout(timer);
        this.off(event, listener);
        resolve(arg);
      };
      this.on(event, listener);
    });
  }

  // ── pushing to a gateway ────────────────────────────────────────────
  /** Deliver a normalized message: live when the gateway is connected and not flipped, else buffered. */
  pushInbound(event: WireMessageEvent, opts: { gatewayId?: string } = {}): PushResult {
    const gatewayId = this.#target(opts.gatewayId);
    if (typeof event === "object" && event !== null) this.#learnChat(gatewayId, event.source);
    return this.#push(gatewayId, { type: "inbound", event });
  }
  pushPassthrough(forward: WirePassthroughForward, opts: { gatewayId?: string } = {}): PushResult {
    return this.#push(this.#target(opts.gatewayId), { type: "passthrough_forward", forward });
  }
  /**
   * Forward a Discord interaction as the real connector does after answering it at its edge:
   * a PING (type 1) is answered there and never forwarded; anything else becomes a
   * `passthrough_forward` with the body's exact bytes in `bodyB64`. The interaction's channel
   * becomes a chat the egress guard lets replies go to.
   */
  pushDiscordInteraction(
    interaction: Record<string, unknown>,
    opts: { gatewayId?: string; botId?: string; profile?: string } = {},
  ): PushResult {
    if (interaction["type"] === 1)
      return { delivered: "dropped", reason: "PING is answered at the connector edge" };
    const gatewayId = this.#target(opts.gatewayId);
    const member = interaction["member"] as { user?: { id?: unknown } } | undefined;
    const user = member?.user ?? (interaction["user"] as { id?: unknown } | undefined);
    this.#learnChat(gatewayId, {
      platform: "discord",
      chat_id: interaction["channel_id"],
      scope_id: interaction["guild_id"],
      user_id: user?.id,
    });
    const body = Buffer.from(JSON.stringify(interaction), "utf8");
    const forward: WirePassthroughForward = {
      platform: "discord",
      botId: opts.botId ?? this.#live(gatewayId)?.identities.get("discord") ?? "",
      method: "POST",
      path: "/interactions",
      headers: [["content-type", "application/json"]],
      bodyB64: body.toString("base64"),
    };
    if (opts.profile !== undefined) forward.profile = opts.profile;
    return this.#push(gatewayId, { type: "passthrough_forward", forward });
  }
  /** Interrupts are live-only: a sleeping gateway has no turn to cancel. */
  pushInterrupt(sessionKey: string, chatId: string, opts: { gatewayId?: string } = {}): PushResult {
    const conn = this.#live(this.#target(opts.gatewayId));
    if (conn === null) return { delivered: "dropped", reason: "gateway not connected" };
    this.#send(conn, { type: "interrupt_inbound", session_key: sessionKey, chat_id: chatId });
    return { delivered: "live" };
  }

  /**
   * The connector half of docs/contract/relay.md#delivery-signatures: POST exact bytes with
   * x-relay-timestamp / x-relay-signature. `now` (milliseconds, like `Date.now()`) backdates or
   * forwards the signature's timestamp.
   */
  async deliverSigned(
    endpointUrl: string,
    body: object | string,
    opts: { deliveryKey: string; path?: "/" | "/interrupt"; now?: number },
  ): Promise<{ status: number; body: string }> {
    const raw = typeof body === "string" ? body : JSON.stringify(body);
    const { timestamp, signature } = signDelivery(
      raw,
      opts.deliveryKey,
      opts.now === undefined ? {} : { now: opts.now },
    );
    const url = new URL(
      opts.path ?? "/",
      endpointUrl.endsWith("/") ? endpointUrl : `${endpointUrl}/`,
    ).toString();
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-relay-timestamp": timestamp,
        "x-relay-signature": signature,
      },
      body: raw,
      redirect: "error",
    });
    return { status: res.status, body: await res.text() };
  }

  /** Snapshot for `GET /dev/state`. */
  snapshot(): ConnectorState {
    const gateways: ConnectorState["gateways"] = {};
    for (const [id, g] of this.#gateways) {
      gateways[id] = {
        connected: this.#live(id) !== null,
        revoked: g.revoked,
        buffered: g.buffered,
        buffer: g.buffer.length,
        dials: g.dials,
      };
    }
    return {
      connections: this.#conns.size,
      gateways,
      outbound: this.outbound.length,
      policies: this.policies.length,
    };
  }

  /** The only / first configured gateway when none is named. @internal */
  defaultGatewayId(): string {
    const first = this.#gateways.keys().next();
    return first.done ? "anonymous" : first.value;
  }

  // ── internals ───────────────────────────────────────────────────────
  #gateway(id: string): GatewayState {
    let g = this.#gateways.get(id);
    if (g === undefined) {
      g = {
        secrets: [],
        revoked: false,
        buffered: true,
        buffer: [],
        wakeUrl: null,
        woke: false,
        dials: 0,
        chats: new Map(),
        manifests: new Map(),
      };
      this.#gateways.set(id, g);
    }
    return g;
  }

  #target(gatewayId: string | undefined): string {
    return gatewayId ?? this.defaultGatewayId();
  }

  #live(gatewayId: string): Conn | null {
    let found: Conn | null = null;
    for (const c of this.#conns) if (c.gatewayId === gatewayId && c.handshaken) found = c; // newest wins
    return found;
  }

  /** Remember a chat delivered to a gateway (platform, scope, authors) for the egress guard. */
  #learnChat(gatewayId: string, source: unknown): void {
    if (typeof source !== "object" || source === null) return;
    const s = source as Record<string, unknown>;
    const id = (v: unknown): string | null =>
      typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : null;
    const chat = id(s["chat_id"]);
    const platform = id(s["platform"]);
    if (chat === null || platform === null) return;
    const g = this.#gateway(gatewayId);
    const known = g.chats.get(chat) ?? { platform, scope: null, users: new Set<string>() };
    known.platform = platform;
    known.scope = id(s["scope_id"]) ?? id(s["guild_id"]) ?? known.scope;
    const user = id(s["user_id"]);
    if (user !== null) known.users.add(user);
    g.chats.set(chat, known);
  }

  /** Why this outbound is refused before any platform call (identity or egress), or null. */
  #refusal(
    conn: Conn,
    frame: { platform?: string; botId?: string },
    record: OutboundRecord,
  ): OutboundResult | null {
    if (frame.platform !== undefined && !conn.identities.has(frame.platform)) {
      return {
        success: false,
        error: `platform "${frame.platform}" was not hello'd on this connection`,
      };
    }
    if (
      frame.platform !== undefined &&
      frame.botId !== undefined &&
      conn.identities.get(frame.platform) !== frame.botId
    ) {
      return {
        success: false,
        error: `botId does not match the identity hello'd for ${frame.platform}`,
      };
    }
    const platform = record.platform ?? "relay";
    if (this.#declines.some((match) => match(record))) return egressDeclined(platform);
    if (this.#opts.egressGuard !== true) return null;
    const chatId = record.action["chat_id"];
    if (typeof chatId !== "string") return null; // session-addressed ops (follow_up) are bound by the session
    const chat = this.#gateway(conn.gatewayId).chats.get(chatId);
    if (chat === undefined || chat.platform !== platform) return egressDeclined(platform);
    const meta = record.action["metadata"];
    const m = typeof meta === "object" && meta !== null ? (meta as Record<string, unknown>) : {};
    const scope = m["scope_id"] ?? m["guild_id"];
    if (chat.scope !== null && scope === chat.scope) return null;
    if (typeof m["user_id"] === "string" && chat.users.has(m["user_id"])) return null;
    return egressDeclined(platform);
  }

  #push(gatewayId: string, frame: BufferedItem["frame"]): PushResult {
    const g = this.#gateway(gatewayId);
    const conn = g.buffered ? null : this.#live(gatewayId);
    if (conn !== null) {
      this.#send(conn, frame);
      return { delivered: "live" };
    }
    const bufferId = `buf-${this.#nextBuffer++}`;
    g.buffer.push({ bufferId, frame });
    if (this.#opts.bufferDir !== undefined) {
      try {
        mkdirSync(this.#opts.bufferDir, { recursive: true });
        appendFileSync(
          join(this.#opts.bufferDir, `${encodeURIComponent(gatewayId)}.jsonl`),
          `${JSON.stringify({ bufferId, frame })}\n`,
        );
      } catch (e) {
        this.#opts.logger?.warn?.(
          `reference connector: buffer file not written (${(e as Error).message})`,
        );
      }
    }
    this.emit("buffered", { gatewayId, bufferId });
    if (g.wakeUrl !== null && !g.woke) {
      g.woke = true;
      fetch(g.wakeUrl, { method: "GET", redirect: "error", signal: AbortSignal.timeout(5_000) })
        .then((r) => r.body?.cancel())
        .catch(() => this.#opts.logger?.warn?.("reference connector: wake URL unreachable"));
    }
    return { delivered: "buffered", bufferId };
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/relay") {
      socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    this.upgradeCount++;
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const auth = this.authenticate(req.headers.authorization);
      if ("error" in auth) {
        this.emit("refused", auth.error);
        ws.close(4401, auth.error);
        return;
      }
      this.#accept(ws, auth.gatewayId);
    });
  }

  #accept(ws: WebSocket, gatewayId: string): void {
    const g = this.#gateway(gatewayId);
    g.dials++;
    const conn: Conn = { ws, gatewayId, handshaken: false, platforms: [], identities: new Map() };
    const decoder = new FrameDecoder();
    this.#conns.add(conn);
    this.emit("connection", gatewayId);
    ws.on("message", (data) => {
      const { frames, malformed } = decoder.push(data);
      for (const m of malformed)
        this.#opts.logger?.warn?.(`reference connector: frame skipped (${m})`);
      for (const f of frames) void this.#onFrame(conn, f);
    });
    ws.on("error", () => undefined);
    ws.on("close", (code, reason) => {
      this.#conns.delete(conn);
      this.emit("close", { gatewayId, code, reason: reason.toString() });
    });
  }

  async #onFrame(conn: Conn, raw: Record<string, unknown>): Promise<void> {
    const parsed = parseGatewayFrame(raw);
    if (!parsed.ok) {
      if (parsed.kind === "invalid")
        this.#opts.logger?.warn?.(`reference connector: ${parsed.message}`);
      return;
    }
    const frame = parsed.frame;
    this.emit("frame", { direction: "in", gatewayId: conn.gatewayId, frame });
    const g = this.#gateway(conn.gatewayId);
    switch (frame.type) {
      case "hello": {
        conn.platforms.push(frame.platform);
        conn.identities.set(frame.platform, frame.botId);
        if (frame.command_manifest !== undefined) {
          g.manifests.set(frame.platform, frame.command_manifest);
          this.emit("command_manifest", {
            gatewayId: conn.gatewayId,
            platform: frame.platform,
            manifest: frame.command_manifest,
          });
        }
        this.#send(conn, {
          type: "descriptor",
          descriptor: referenceDescriptor(frame.platform, this.#opts.descriptors?.[frame.platform]),
        });
        if (!conn.handshaken) {
          conn.handshaken = true;
          g.buffered = false;
          g.woke = false;
          this.emit("handshake", { gatewayId: conn.gatewayId, platform: frame.platform });
          // Drain the durable buffer in order; items leave it only on inbound_ack.
          for (const item of g.buffer) this.#send(conn, { ...item.frame, bufferId: item.bufferId });
        }
        return;
      }
      case "outbound": {
        const record: OutboundRecord = {
          gatewayId: conn.gatewayId,
          requestId: frame.requestId,
          platform: frame.platform ?? conn.platforms[0] ?? null,
          botId:
            frame.botId ?? conn.identities.get(frame.platform ?? conn.platforms[0] ?? "") ?? null,
          action: frame.action,
          at: Date.now(),
        };
        this.outbound.push(record);
        this.emit("outbound", record);
        const refusal = this.#refusal(conn, frame, record);
        if (refusal !== null) {
          this.emit("declined", { record, result: refusal });
          this.#send(conn, {
            type: "outbound_result",
            requestId: frame.requestId,
            result: refusal,
          });
          return;
        }
        let answer: OutboundAnswer;
        try {
          answer = await this.#onOutbound?.(record);
        } catch (e) {
          answer = { success: false, error: `scripted handler failed: ${(e as Error).message}` };
        }
        if (answer === "no-answer") return;
        let result: OutboundResult;
        const delayMs = answer !== undefined && "delayMs" in answer ? answer["delayMs"] : undefined;
        if (typeof delayMs === "number") {
          await new Promise((r) => setTimeout(r, delayMs));
          result = (answer as { result: OutboundResult }).result;
        } else
          result = (answer as OutboundResult | undefined) ?? this.#defaultResult(record.action);
        this.#send(conn, { type: "outbound_result", requestId: frame.requestId, result });
        return;
      }
      case "interrupt": {
        const rec = {
          gatewayId: conn.gatewayId,
          session_key: frame.session_key,
          reason: frame.reason ?? null,
        };
        this.interrupts.push(rec);
        this.emit("interrupt", rec);
        return;
      }
      case "going_idle":
        // Listeners run in the flip window: what they push is still delivered live.
        this.emit("going_idle", conn.gatewayId);
        g.buffered = true;
        this.#send(conn, { type: "going_idle_ack" });
        return;
      case "inbound_ack": {
        const i = g.buffer.findIndex((b) => b.bufferId === frame.bufferId);
        if (i !== -1) g.buffer.splice(i, 1);
        this.emit("ack", { gatewayId: conn.gatewayId, bufferId: frame.bufferId });
        return;
      }
    }
  }

  #defaultResult(action: OutboundAction): OutboundResult {
    if (action.op === "get_chat_info") {
      const chatId = typeof action["chat_id"] === "string" ? action["chat_id"] : "";
      return { chat_info: { name: `chat ${chatId}`, type: "group" } };
    }
    return { success: true, message_id: `m${this.#nextMessage++}` };
  }

  #send(conn: Conn, frame: ConnectorFrame): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    this.emit("frame", { direction: "out", gatewayId: conn.gatewayId, frame });
    conn.ws.send(encodeFrame(frame));
  }
}

/** The connector's definite refusal of a destination: structured code plus the uniform text. */
export function egressDeclined(platform: string): OutboundResult {
  return {
    success: false,
    code: "egress_declined",
    error: `${platform} egress declined: target is not an approved destination for this connection`,
  };
}
