// WebSocketRelayTransport: the gateway's end of the relay link (docs/contract/relay.md#the-websocket-link).
//
// One supervisor owns dialing: it mints a fresh upgrade token per dial, sends one `hello` per
// identity, waits for the first `descriptor`, then serves until the socket closes, and
// re-dials with capped backoff unless the close was deliberate or the secret was revoked.
// Every outbound request settles exactly once: answered, ambiguous timeout, or the moment
// the connection is lost.
import { randomUUID } from "node:crypto";
import { isUsableSecret, makeUpgradeToken } from "@hermes/relay-crypto";
import type { Duplex } from "node:stream";
import WebSocket from "ws";
import { parseDescriptor } from "../protocol/descriptor.js";
import { parseConnectorFrame } from "../protocol/frames.js";
import { encodeFrame, FrameDecoder } from "../protocol/framing.js";
import type {
  ConnectorFrame,
  Descriptor,
  GatewayFrame,
  OutboundAction,
  OutboundResult,
} from "../protocol/types.js";
import { relayDialUrl } from "../protocol/urls.js";
import { logSafely, LogBudget, type RelayLogger, type RelayLogLevel } from "../logger.js";
import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { PendingRequests } from "./pending.js";
import { RelayConnectError } from "./errors.js";
import { decideAfterClose, isRefusal } from "./close-policy.js";
import { Inbox } from "./inbox.js";
import { RedialHold } from "./redial-hold.js";
import type {
  InboundHandler,
  InboundMeta,
  InterruptHandler,
  PassthroughHandler,
  RelayIdentity,
  RelayTransport,
  RelayTransportState,
  SendOutboundOptions,
} from "./types.js";
import { initialTransportState } from "./types.js";

export interface WebSocketRelayTransportOptions {
  /** The connector URL (http(s)/ws(s)); mapped to the `/relay` dial target. */
  url: string;
  gatewayId: string;
  /** The per-gateway upgrade secret. Absent or blank → no Authorization header (dev connectors). */
  secret?: string | null;
  /** One `hello` per identity; the first is the session default. At least one. */
  identities: readonly RelayIdentity[];
  /** Re-dial after an unexpected close. Default true. */
  reconnect?: boolean;
  backoff?: BackoffOptions;
  /** A link up this long resets the backoff (and the provisional 4401 state). Default 30 000 ms. */
  stableAfterMs?: number;
  /** Ping interval. Default 30 000 ms. */
  pingIntervalMs?: number;
  /** Declare the link dead after this long without a pong. Default 60 000 ms. */
  pongTimeoutMs?: number;
  /** Upgrade + first descriptor must complete within this. Default 15 000 ms. */
  handshakeTimeoutMs?: number;
  /** Default wait for an `outbound_result`. Default 30 000 ms. */
  outboundTimeoutMs?: number;
  /** Upgrade token lifetime. Default 300 s. */
  tokenTtlSeconds?: number;
  /** Largest accepted WebSocket message. Default 32 MiB. */
  maxPayloadBytes?: number;
  /** Any `{debug?, info?, warn?, error?}` (console fits). Tokens and secrets are never passed to it. */
  logger?: RelayLogger;
  /** Injectable randomness for jitter. */
  random?: () => number;
  /** Injectable clock for minting upgrade tokens: milliseconds since the epoch, like `Date.now`. */
  now?: () => number;
  /** Re-dial delay after {@link WebSocketRelayTransport.goDormant} closed the link. Default 1 000 ms. */
  dormantRedialMs?: number;
  /** Longest {@link WebSocketRelayTransport.holdRedial} parks a re-dial. Default 60 000 ms. */
  redialHoldMaxMs?: number;
  /**
   * Write the frames of one event-loop turn together: from the first frame read or written in a
   * turn, frames are held (the socket is corked) and handed to the socket at the turn's end (an
   * immediate), so a busy link makes one system call per turn instead of one per frame. A frame
   * waits for the rest of its turn's work (one more turn when sent from an immediate or from
   * beforeWrite). Default false: each frame is written when it is sent.
   */
  coalesceWrites?: boolean;
  /**
   * Called just before frames leave for the socket: with `coalesceWrites` once per turn that sent
   * any (before its write), else before each frame. For what must be on record before a reply
   * leaves (the gateway's turn journal writes the turns answered so far). Synchronous; a throw is
   * logged at error and the frames still go.
   */
  beforeWrite?: () => void;
  /**
   * Called just after frames were handed to the socket: with `coalesceWrites` once per turn that
   * sent any (after its write, and after beforeWrite), else after each frame. For what may follow
   * a reply (the gateway's turn journal writes a turn's records there when that keeps its
   * promise; see {@link WebSocketRelayTransport.writesHeld}). Synchronous; a throw is logged at
   * error.
   */
  afterWrite?: () => void;
}

/** One dial: its socket, decoder and handshake outcome. */
interface Link {
  ws: WebSocket;
  decoder: FrameDecoder;
  handshaken: boolean;
  openedAt: number;
  pingTimer: NodeJS.Timeout | null;
  stableTimer: NodeJS.Timeout | null;
  lastPong: number;
  lastPing: number;
  /** The last socket error (e.g. "Unexpected server response: 401"), used when the close has no reason. */
  lastError: string;
  /** Why we terminated the socket ourselves (keepalive, handshake timeout); wins over `lastError`. */
  cause: string;
  /** Inbound and passthrough frames are handled one after the other, in order. */
  inbox: Inbox;
  closed: Promise<void>;
  /** The one `going_idle` of this link and its outcome: never sent (nor waited for) twice. */
  idle: Promise<boolean> | null;
  /** The link's socket (from the upgrade response), corked while frames are held. */
  socket: Duplex | null;
  /** Frames are being held until the end of this event-loop turn (coalesceWrites). */
  holding: boolean;
  /** A frame was sent while holding: beforeWrite runs before the release, afterWrite after it. */
  held: boolean;
}

export {
  DIAL_FAILURES_ERROR_FROM,
  DIAL_FAILURES_WARN_FROM,
  REFUSALS_ERROR_FROM,
} from "./close-policy.js";

/** The `error` of a send refused because no handshaken link is up: nothing was sent (safe to send again). */
export const NOT_CONNECTED = "relay transport not connected";
const CLOSED = "relay transport closed";
const LOST = "relay transport connection lost";
const TIMED_OUT = "relay outbound timed out";
const ABORTED = "relay outbound aborted (it may have been delivered)";
const ABORTED_UNSENT = "relay outbound aborted before it was sent";

function unref(t: NodeJS.Timeout): NodeJS.Timeout {
  t.unref?.();
  return t;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class WebSocketRelayTransport implements RelayTransport {
  readonly #opts: WebSocketRelayTransportOptions;
  /** Malformed lines and invalid frames: a peer can send one per frame (see LogBudget). */
  readonly #peerWarnings = new LogBudget((m) => this.#log("warn", m));
  readonly #dialUrl: string;
  readonly #random: () => number;
  #onInbound: InboundHandler | null = null;
  #onInterrupt: InterruptHandler | null = null;
  #onPassthrough: PassthroughHandler | null = null;
  readonly #revokedListeners: (() => void)[] = [];

  #link: Link | null = null;
  /** Links with frames held for the end of this event-loop turn (see writesHeld). */
  #linksHolding = 0;
  readonly #pending = new PendingRequests<OutboundResult>(() => ({
    success: false,
    error: TIMED_OUT,
    ambiguous: true,
  }));
  #idleWaiter: ((acked: boolean) => void) | null = null;
  #deliberate = false;
  #started = false;
  #attempt = 0;
  #provisional401 = false;
  /** 4401 closes since the last successful handshake, while none has ever succeeded. */
  #refusals = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #firstHandshake: { resolve: (d: Descriptor) => void; reject: (e: Error) => void } | null = null;
  /** `connected` is derived from the current link (see {@link state}); the rest is kept here. */
  #state: RelayTransportState = initialTransportState();
  readonly #descriptors = new Map<string, Descriptor>();
  /** The link was closed by goDormant(): the next re-dial takes the dormant cadence. */
  #dormant = false;
  /** holdRedial() / releaseRedial(): a due re-dial waits (bounded) while a suspend is in flight. */
  readonly #hold: RedialHold;

  constructor(opts: WebSocketRelayTransportOptions) {
    if (!Array.isArray(opts.identities) || opts.identities.length === 0) {
      throw new TypeError(
        "WebSocketRelayTransport needs at least one identity ({platform, botId})",
      );
    }
    if (typeof opts.gatewayId !== "string" || opts.gatewayId === "")
      throw new TypeError("WebSocketRelayTransport needs a gatewayId");
    this.#opts = opts;
    this.#dialUrl = relayDialUrl(opts.url);
    this.#random = opts.random ?? Math.random;
    this.#hold = new RedialHold(opts.redialHoldMaxMs ?? 60_000, () =>
      this.#log("info", "relay: the redial hold expired (the suspend did not land); reconnecting"),
    );
  }

  // ── handlers ────────────────────────────────────────────────────────
  setInboundHandler(handler: InboundHandler): void {
    this.#onInbound = handler;
  }
  setInterruptHandler(handler: InterruptHandler): void {
    this.#onInterrupt = handler;
  }
  setPassthroughHandler(handler: PassthroughHandler): void {
    this.#onPassthrough = handler;
  }
  onAuthRevoked(listener: () => void): void {
    this.#revokedListeners.push(listener);
  }

  /**
   * Whether an outbound sent now is written to the link at once (handshaken, open, not closing
   * on purpose): then a later outbound goes out after it on the same ordered link, and it is
   * never answered "not connected". Cheaper than `state` (no snapshot).
   */
  get linkReady(): boolean {
    const link = this.#link;
    return (
      !this.#deliberate && link !== null && link.handshaken && link.ws.readyState === WebSocket.OPEN
    );
  }

  /**
   * Operator-facing snapshot. Read for every inbound frame (the adapter adopts the negotiated
   * descriptor from it), so it is one literal: on Node 20 a literal that spreads an object and
   * then adds keys (`{ ...state, connected }`) takes ~2 µs, this one ~0.1 µs.
   */
  get state(): RelayTransportState {
    const s = this.#state;
    return {
      connected: this.#connected,
      dialCount: s.dialCount,
      handshakeCount: s.handshakeCount,
      consecutiveFailures: s.consecutiveFailures,
      lastConnectedAt: s.lastConnectedAt,
      lastCloseCode: s.lastCloseCode,
      lastCloseReason: s.lastCloseReason,
      closeCodes: { ...s.closeCodes },
      pendingOutbound: this.#pending.size,
      authRevoked: s.authRevoked,
      descriptor: s.descriptor,
    };
  }

  /** A handshaken link is up. */
  get #connected(): boolean {
    return this.#link?.handshaken === true;
  }
  /** The `/relay` URL this transport dials. */
  get dialUrl(): string {
    return this.#dialUrl;
  }
  /** The descriptor the connector sent for `platform` on the current link, if any. */
  descriptorFor(platform: string): Descriptor | undefined {
    return this.#descriptors.get(platform);
  }
  /** The identities this transport says `hello` for, in order (the first is the session default). */
  get identities(): readonly RelayIdentity[] {
    return this.#opts.identities;
  }
  /** The botId hello'd for `platform`, or undefined when this gateway does not front it. */
  botIdFor(platform: string): string | undefined {
    return this.#opts.identities.find((i) => i.platform === platform)?.botId;
  }

  // ── lifecycle ───────────────────────────────────────────────────────
  /**
   * Start the supervisor and resolve with the first descriptor of the first successful
   * handshake. With reconnect on, failed dials are retried (with backoff) until one succeeds;
   * rejects with {@link RelayConnectError} when revoked, disconnected first, or (reconnect
   * off) when the dial fails.
   */
  connect(): Promise<Descriptor> {
    if (this.#deliberate) return Promise.reject(new RelayConnectError("RELAY_CLOSED", CLOSED));
    if (this.#state.authRevoked) return Promise.reject(this.#revokedError());
    if (this.#connected && this.#state.descriptor !== null)
      return Promise.resolve(this.#state.descriptor);
    const p = new Promise<Descriptor>((resolve, reject) => {
      const prev = this.#firstHandshake;
      this.#firstHandshake = {
        resolve: (d) => {
          prev?.resolve(d);
          resolve(d);
        },
        reject: (e) => {
          prev?.reject(e);
          reject(e);
        },
      };
    });
    if (!this.#started) {
      this.#started = true;
      this.#dial();
    }
    return p;
  }

  async disconnect(opts: { budgetMs?: number } = {}): Promise<void> {
    const budget = Math.max(0, opts.budgetMs ?? 6_000);
    const deadline = Date.now() + budget;
    this.#deliberate = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#hold.clear();
    this.#settleFirstHandshake(
      new RelayConnectError(
        "RELAY_CLOSED",
        "relay transport disconnected before the handshake completed",
      ),
    );
    // Grace for in-flight outbound to be answered: ≤ 5 s and within the caller's budget.
    const grace = Math.min(5_000, Math.max(0, deadline - Date.now() - 1_000));
    if (this.#pending.size > 0 && grace > 0) await this.#waitForPending(grace);
    const link = this.#link;
    if (link !== null) {
      try {
        this.#releaseWrites(link);
        link.ws.close(1000, "gateway disconnect");
      } catch (err) {
        this.#log("debug", `relay close failed: ${message(err)}`);
      }
      const closeWait = Math.min(1_000, Math.max(0, deadline - Date.now()));
      const closed = await Promise.race([
        link.closed.then(() => true),
        sleep(closeWait).then(() => false),
      ]);
      if (!closed) {
        try {
          link.ws.terminate();
        } catch {
          // Already gone.
        }
        this.#onClose(link, 1006, "terminated after the close timeout");
      }
    }
    this.#failAllPending(CLOSED);
    this.#resolveIdle(false);
  }

  // ── outbound ────────────────────────────────────────────────────────
  sendOutbound(action: OutboundAction, opts: SendOutboundOptions = {}): Promise<OutboundResult> {
    const signal = opts.signal;
    if (signal?.aborted === true) return Promise.resolve({ success: false, error: ABORTED_UNSENT });
    if (this.#deliberate) return Promise.resolve({ success: false, error: CLOSED });
    const link = this.#link;
    if (link === null || !link.handshaken || link.ws.readyState !== WebSocket.OPEN) {
      return Promise.resolve({ success: false, error: NOT_CONNECTED });
    }
    const requestId = randomUUID();
    const frame: GatewayFrame = { type: "outbound", requestId, action };
    // A platform rides with ITS identity's botId: the connector checks the pair against the
    // hellos of this link (a platform we do not front gets no botId and is refused there).
    if (opts.platform !== undefined) frame.platform = opts.platform;
    const botId =
      opts.botId ?? (opts.platform === undefined ? undefined : this.botIdFor(opts.platform));
    if (botId !== undefined) frame.botId = botId;
    const timeoutMs = opts.timeoutMs ?? this.#opts.outboundTimeoutMs ?? 30_000;
    return new Promise<OutboundResult>((resolve) => {
      if (signal === undefined) {
        this.#pending.add(requestId, resolve, timeoutMs);
      } else {
        // Whichever settles first (answer, timeout, lost link, abort) frees the entry and the listener.
        const onAbort = (): void =>
          this.#pending.take(requestId)?.({ success: false, error: ABORTED, ambiguous: true });
        this.#pending.add(
          requestId,
          (result) => {
            signal.removeEventListener("abort", onAbort);
            resolve(result);
          },
          timeoutMs,
        );
        signal.addEventListener("abort", onAbort, { once: true });
      }
      this.#sendOn(link, frame, (err) => {
        if (err === undefined || err === null) return;
        this.#pending.take(requestId)?.({ success: false, error: LOST });
      });
    });
  }

  abortPendingOutbound(): void {
    this.#pending.settleAll({ success: false, error: ABORTED, ambiguous: true });
  }

  interrupt(sessionKey: string, reason?: string): void {
    const frame: GatewayFrame = { type: "interrupt", session_key: sessionKey };
    if (reason !== undefined) frame.reason = reason;
    if (!this.#write(frame)) this.#log("debug", "relay interrupt not sent: not connected");
  }

  /**
   * Send `going_idle`; true on `going_idle_ack`, false on timeout or when not connected. Keeps
   * serving meanwhile. Once per link: a second call joins the first wait (or gets its outcome)
   * rather than sending another `going_idle` and waiting again.
   */
  goIdle(timeoutMs = 10_000): Promise<boolean> {
    const link = this.#link;
    if (link === null || !link.handshaken) return Promise.resolve(false);
    link.idle ??= new Promise<boolean>((resolve) => {
      const timer = unref(setTimeout(() => this.#resolveIdle(false), Math.max(0, timeoutMs)));
      this.#idleWaiter = (acked) => {
        clearTimeout(timer);
        resolve(acked);
      };
      if (!this.#writeOn(link, { type: "going_idle" })) this.#resolveIdle(false);
    });
    return link.idle;
  }

  /**
   * Quiesce for a scale-to-zero suspend: `going_idle`, and once acked close the link WITHOUT
   * ending the transport, so the re-dial on wake (dormant cadence) makes the connector drain
   * what it buffered meanwhile. Unlike {@link disconnect} the supervisor stays armed. No ack →
   * resolves false and keeps the link (nothing will suspend us, so keep serving).
   */
  async goDormant(timeoutMs = 10_000): Promise<boolean> {
    const link = this.#link;
    if (link === null || !link.handshaken || this.#deliberate) return false;
    if (!(await this.goIdle(timeoutMs))) return false;
    if (this.#link !== link) return true; // already gone: the close path re-dials as dormant
    this.#dormant = true;
    try {
      this.#releaseWrites(link);
      link.ws.close(1000, "gateway dormant");
    } catch (err) {
      this.#log("debug", `relay dormant close failed: ${message(err)}`);
    }
    return true;
  }

  /**
   * Park the re-dial while a brokered suspend is in flight (a re-dial would undo the
   * buffered-only flip). Bounded by `redialHoldMaxMs` so a suspend that never lands still
   * reconnects. Returns true: the hold is in force.
   */
  holdRedial(): boolean {
    this.#hold.hold();
    return true;
  }

  /** Undo {@link holdRedial} (the suspend did not land): a parked re-dial starts now. */
  releaseRedial(): boolean {
    this.#hold.release();
    return true;
  }

  // ── dialing ─────────────────────────────────────────────────────────
  #dial(): void {
    // Exactly one dialer: a link (connecting or open) blocks any other dial.
    if (this.#deliberate || this.#state.authRevoked || this.#link !== null) return;
    this.#state.dialCount++;
    const headers: Record<string, string> = {};
    const secret = this.#opts.secret;
    if (typeof secret === "string" && isUsableSecret(secret)) {
      headers["Authorization"] =
        `Bearer ${makeUpgradeToken(this.#opts.gatewayId, secret, this.#opts.tokenTtlSeconds ?? 300, this.#opts.now ? { now: this.#opts.now() } : {})}`;
    }
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.#dialUrl, {
        headers,
        handshakeTimeout: this.#opts.handshakeTimeoutMs ?? 15_000,
        maxPayload: this.#opts.maxPayloadBytes ?? 32 * 1024 * 1024,
        perMessageDeflate: false,
        followRedirects: false,
      });
    } catch (err) {
      this.#afterClose(null, 1006, message(err));
      return;
    }
    let markClosed!: () => void;
    const link: Link = {
      ws,
      decoder: new FrameDecoder(),
      handshaken: false,
      openedAt: 0,
      pingTimer: null,
      stableTimer: null,
      lastPong: Date.now(),
      lastPing: 0,
      lastError: "",
      cause: "",
      inbox: new Inbox({
        isCurrent: () => this.#link === link,
        ack: (bufferId) => void this.#writeOn(link, { type: "inbound_ack", bufferId }),
        warn: (m) => this.#log("warn", m),
      }),
      closed: new Promise<void>((r) => (markClosed = r)),
      idle: null,
      socket: null,
      holding: false,
      held: false,
    };
    this.#link = link;
    this.#descriptors.clear();
    const handshakeTimer = unref(
      setTimeout(() => {
        if (!link.handshaken) {
          // The close line that follows reports it (one line per event).
          link.cause = "handshake timed out (no descriptor)";
          ws.terminate();
        }
      }, this.#opts.handshakeTimeoutMs ?? 15_000),
    );
    ws.on("open", () => {
      link.openedAt = Date.now();
      link.lastPong = Date.now();
      this.#startKeepalive(link);
      for (const id of this.#opts.identities) {
        const hello: GatewayFrame = { type: "hello", platform: id.platform, botId: id.botId };
        if (id.commandManifest !== undefined) hello.command_manifest = id.commandManifest;
        this.#writeOn(link, hello);
      }
    });
    ws.on("upgrade", (res) => {
      link.socket = res.socket;
      // ws ends its side when the peer's FIN arrives, and ending a stream uncorks it: release
      // first, so that held frames still go out after beforeWrite.
      res.socket.prependListener("end", () => this.#releaseWrites(link));
    });
    ws.on("message", (data) => {
      // Replies to what this turn reads go out together at its end.
      if (this.#opts.coalesceWrites === true) this.#holdWrites(link);
      // The bytes as ws gives them: the decoder decodes UTF-8 once per whole line, not per message.
      // Each frame handled as soon as its line is read: a message of millions of small frames
      // never holds them all at once.
      const { malformed, malformedCount } = link.decoder.each(data, (frame, line) =>
        this.#dispatch(link, frame, line, handshakeTimer),
      );
      if (malformedCount > 0)
        this.#peerWarnings.log(
          malformedCount === 1
            ? `relay frame skipped: ${malformed[0]}`
            : `relay frames skipped: ${malformedCount} malformed lines in one message (${malformed.join("; ")}${malformedCount > malformed.length ? "; …" : ""})`,
        );
    });
    ws.on("pong", () => {
      link.lastPong = Date.now();
    });
    ws.on("error", (err) => {
      link.lastError = message(err);
      this.#log("debug", `relay socket error: ${link.lastError}`);
    });
    ws.on("close", (code, reason) => {
      clearTimeout(handshakeTimer);
      markClosed();
      this.#onClose(link, code, reason.toString("utf8") || link.cause || link.lastError);
    });
  }

  #startKeepalive(link: Link): void {
    const interval = this.#opts.pingIntervalMs ?? 30_000;
    const timeout = this.#opts.pongTimeoutMs ?? 60_000;
    link.pingTimer = setInterval(
      () => {
        const now = Date.now();
        if (now - link.lastPong > timeout) {
          // A half-open socket: terminate (no close handshake to wait for) and let the close line report it.
          this.#log(
            "debug",
            `relay keepalive: no pong for ${now - link.lastPong} ms (limit ${timeout} ms)`,
          );
          link.cause = "keepalive timeout";
          link.ws.terminate();
          return;
        }
        if (now - link.lastPing < interval) return;
        link.lastPing = now;
        try {
          link.ws.ping();
        } catch {
          // Closing; the close handler takes over.
        }
      },
      Math.max(10, Math.min(interval, timeout / 4)),
    );
    link.pingTimer.unref?.();
  }

  #onClose(link: Link, code: number, reason: string): void {
    if (this.#link !== link) return;
    this.#link = null;
    // What the link's peer caused and was held back is told before the close line.
    this.#peerWarnings.flush();
    if (link.pingTimer !== null) clearInterval(link.pingTimer);
    if (link.stableTimer !== null) clearTimeout(link.stableTimer);
    this.#state.lastCloseCode = code;
    this.#state.lastCloseReason = reason;
    this.#failAllPending(this.#deliberate ? CLOSED : LOST);
    this.#resolveIdle(false);
    this.#afterClose(link, code, reason);
  }

  /**
   * Decide what follows a closed (or failed) dial: revocation, immediate re-dial, backoff, or
   * stop. Logs exactly one line per close (code, reason, what happens next), escalating with
   * failed dials in a row.
   */
  #afterClose(link: Link | null, code: number, reason: string): void {
    this.#state.closeCodes[code] = (this.#state.closeCodes[code] ?? 0) + 1;
    if (this.#deliberate) return;
    const handshaken = link?.handshaken === true;
    const refused = isRefusal(code, reason);
    if (!handshaken) this.#state.consecutiveFailures++;
    if (refused && !this.#provisional401 && this.#state.descriptor === null) this.#refusals++;
    const decision = decideAfterClose({
      code,
      reason,
      handshaken,
      // A descriptor is only ever recorded by a successful handshake.
      everHandshaken: this.#state.descriptor !== null,
      provisional401: this.#provisional401,
      dormant: this.#dormant,
      failures: this.#state.consecutiveFailures,
      refusals: this.#refusals,
    });
    if (!refused) this.#provisional401 = false;
    this.#dormant = false;
    switch (decision.kind) {
      case "revoke":
        this.#latchRevoked();
        return;
      case "confirm-401":
        this.#provisional401 = true;
        this.#log(
          "warn",
          `relay link refused (${code} ${reason}) after a handshake; re-dialing once with a fresh token to confirm`,
        );
        this.#scheduleDial(0);
        return;
      case "dormant": {
        const delay = this.#opts.dormantRedialMs ?? 1_000;
        this.#log(
          "info",
          `relay link dormant (going_idle acked); re-dial in ${delay} ms${this.#hold.held ? " once the hold is released" : ""}`,
        );
        this.#scheduleDial(delay);
        return;
      }
      case "backoff": {
        const next =
          this.#opts.reconnect === false
            ? null
            : backoffDelay(this.#attempt++, this.#random(), this.#opts.backoff);
        this.#log(
          decision.level,
          decision.line(next === null ? "reconnect is off" : `re-dial in ${next} ms`),
        );
        if (next === null) {
          const closed = `${code}${reason ? ` ${reason}` : ""}`;
          this.#settleFirstHandshake(
            new RelayConnectError(
              "RELAY_DIAL_FAILED",
              `relay link closed (${closed}) and reconnect is off`,
            ),
          );
          return;
        }
        this.#scheduleDial(next);
      }
    }
  }

  #scheduleDial(delay: number): void {
    this.#retryTimer = unref(
      setTimeout(() => {
        this.#retryTimer = null;
        this.#hold.run(() => this.#dial());
      }, delay),
    );
  }

  #latchRevoked(): void {
    if (this.#state.authRevoked) return;
    this.#state.authRevoked = true;
    this.#log(
      "error",
      "relay secret revoked (4401 confirmed by a fresh re-dial); not reconnecting",
    );
    this.#settleFirstHandshake(this.#revokedError());
    for (const l of this.#revokedListeners) {
      try {
        l();
      } catch (err) {
        this.#log("debug", `relay revocation listener failed: ${message(err)}`);
      }
    }
  }

  #revokedError(): RelayConnectError {
    return new RelayConnectError(
      "RELAY_REVOKED",
      "relay secret revoked: recreate the instance (or re-enroll) to re-enable the relay",
    );
  }

  // ── reading ─────────────────────────────────────────────────────────
  #dispatch(
    link: Link,
    raw: Record<string, unknown>,
    line: string,
    handshakeTimer: NodeJS.Timeout,
  ): void {
    const parsed = parseConnectorFrame(raw);
    if (!parsed.ok) {
      if (parsed.kind === "invalid")
        this.#peerWarnings.log(`relay frame skipped: ${parsed.message}`);
      else this.#log("debug", `relay frame skipped: ${parsed.message}`);
      return;
    }
    const frame: ConnectorFrame = parsed.frame;
    switch (frame.type) {
      case "descriptor": {
        const first = this.#opts.identities[0]!;
        const d = parseDescriptor(frame.descriptor, { platform: first.platform });
        if (!this.#descriptors.has(d.platform)) this.#descriptors.set(d.platform, d);
        if (link.handshaken) return; // later descriptors never overwrite the negotiated one
        link.handshaken = true;
        clearTimeout(handshakeTimer);
        this.#state.descriptor = d;
        this.#state.handshakeCount++;
        this.#state.consecutiveFailures = 0;
        this.#state.lastConnectedAt = Date.now();
        this.#refusals = 0;
        this.#dormant = false;
        link.stableTimer = unref(
          setTimeout(() => {
            this.#attempt = 0;
            this.#provisional401 = false;
          }, this.#opts.stableAfterMs ?? 30_000),
        );
        this.#log("info", `relay link up (${d.platform}, dial ${this.#state.dialCount})`);
        this.#settleFirstHandshake(null, d);
        return;
      }
      case "outbound_result": {
        // undefined: a late answer after a timeout, or not ours
        this.#pending.take(frame.requestId)?.(frame.result);
        return;
      }
      case "inbound": {
        const { event } = frame;
        // The frame's text goes with it (InboundMeta.wire): a host journaling the item keeps it.
        const meta: InboundMeta =
          frame.bufferId !== undefined ? { bufferId: frame.bufferId, wire: line } : { wire: line };
        this.#enqueue(link, meta.bufferId, () => this.#onInbound?.(event, meta));
        return;
      }
      case "passthrough_forward": {
        const { forward } = frame;
        const meta = frame.bufferId !== undefined ? { bufferId: frame.bufferId } : {};
        this.#enqueue(link, meta.bufferId, () => this.#onPassthrough?.(forward, meta));
        return;
      }
      case "interrupt_inbound": {
        const { session_key, chat_id } = frame;
        void (async () => {
          try {
            await this.#onInterrupt?.(session_key, chat_id);
          } catch (err) {
            this.#log("warn", `relay interrupt handler failed: ${message(err)}`);
          }
        })();
        return;
      }
      case "going_idle_ack":
        this.#resolveIdle(true);
        return;
    }
  }

  /** Run a handler after the previous one; ack a buffered item only once its handler took it. */
  #enqueue(link: Link, bufferId: string | undefined, run: () => unknown): void {
    link.inbox.push({ bufferId, run });
  }

  // ── helpers ─────────────────────────────────────────────────────────
  #write(frame: GatewayFrame): boolean {
    const link = this.#link;
    return link !== null && link.handshaken && this.#writeOn(link, frame);
  }

  #writeOn(link: Link, frame: GatewayFrame): boolean {
    if (link.ws.readyState !== WebSocket.OPEN) return false;
    try {
      this.#sendOn(link, frame);
      return true;
    } catch (err) {
      this.#log("debug", `relay write failed: ${message(err)}`);
      return false;
    }
  }

  /**
   * Frames sent with `coalesceWrites` are held, to leave at the end of this event-loop turn
   * (beforeWrite, the write, then afterWrite, all from one immediate of this turn's check phase).
   */
  get writesHeld(): boolean {
    return this.#linksHolding > 0;
  }

  /**
   * Send `frame` on `link`: held for the end of this event-loop turn with `coalesceWrites`
   * (beforeWrite and afterWrite run around the release), else written now between the two.
   */
  #sendOn(link: Link, frame: GatewayFrame, cb?: (err?: Error) => void): void {
    this.#beforeSend(link);
    link.ws.send(encodeFrame(frame), cb);
    if (!link.held) this.#runHook("afterWrite");
  }

  /** A frame is about to be sent on `link`: hold it for the turn's end, or run beforeWrite now. */
  #beforeSend(link: Link): void {
    if (this.#opts.coalesceWrites === true && this.#holdWrites(link)) {
      if (!link.held) {
        link.held = true;
        this.#linksHolding++;
      }
    } else this.#runHook("beforeWrite");
  }

  /**
   * Hold `link`'s frames until the end of this event-loop turn (cork its socket, release from an
   * immediate). True when they are held (already, or from now on).
   */
  #holdWrites(link: Link): boolean {
    if (link.holding) return true;
    const socket = link.socket;
    if (socket === null || socket.destroyed) return false;
    link.holding = true;
    socket.cork();
    setImmediate(this.#releaseWrites, link);
    return true;
  }

  /** Write what `link` held (beforeWrite first). Also before a close, so nothing held is lost. */
  readonly #releaseWrites = (link: Link): void => {
    if (!link.holding) return;
    link.holding = false;
    const held = link.held;
    if (held) {
      link.held = false;
      this.#linksHolding--;
      this.#runHook("beforeWrite");
    }
    link.socket?.uncork();
    if (held) this.#runHook("afterWrite");
  };

  /** Run the caller's beforeWrite or afterWrite; a throw is logged, never the transport's. */
  #runHook(name: "beforeWrite" | "afterWrite"): void {
    const hook = this.#opts[name];
    if (hook === undefined) return;
    try {
      hook();
    } catch (err) {
      const after = name === "beforeWrite" ? " (frames written anyway)" : "";
      this.#log("error", `relay ${name} hook failed${after}: ${message(err)}`);
    }
  }

  #settleFirstHandshake(err: Error | null, d?: Descriptor): void {
    const waiter = this.#firstHandshake;
    if (waiter === null) return;
    this.#firstHandshake = null;
    if (err === null && d !== undefined) waiter.resolve(d);
    else if (err !== null) waiter.reject(err);
  }

  #resolveIdle(acked: boolean): void {
    const w = this.#idleWaiter;
    this.#idleWaiter = null;
    w?.(acked);
  }

  #failAllPending(error: string): void {
    this.#pending.settleAll({ success: false, error });
  }

  async #waitForPending(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.#pending.size > 0 && Date.now() < deadline)
      await sleep(Math.min(20, deadline - Date.now()));
  }

  #log(level: RelayLogLevel, m: string): void {
    logSafely(this.#opts.logger, level, m);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => unref(setTimeout(r, ms)));
}
