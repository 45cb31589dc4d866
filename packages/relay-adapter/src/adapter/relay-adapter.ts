// RelayAdapter: one generic platform adapter fronted by the connector
// (upstream NousResearch/hermes-agent:gateway/relay/adapter.py).
// At handshake the connector's capability descriptor says which platform it fronts and
// what to advertise; wire I/O is delegated to an injected RelayTransport. There is no
// per-platform gateway code here.
import type {
  Descriptor,
  OutboundAction,
  OutboundResult,
  WireMessageEvent,
  WirePassthroughForward,
} from "../protocol/types.js";
import { discordInteractionToEvent } from "../protocol/passthrough.js";
import type {
  InboundHandlerResult,
  InboundMeta,
  RelayTransport,
  RelayTransportState,
} from "../transport/types.js";
import {
  lengthFunctionFor,
  parseDescriptor,
  supportsCodeBlocks,
  supportsOp,
} from "../protocol/descriptor.js";
import { classifyOutboundResult } from "../protocol/egress.js";
import { profileFromSessionKey } from "../protocol/session-key.js";
import { eventFromWire, type RelayMessageEvent, type SessionSource } from "../protocol/event.js";
import { logSafely, LogBudget, type RelayLogger } from "../logger.js";
import { RelayDisabledError } from "./errors.js";
import type {
  AdapterFatalError,
  ChatInfo,
  FatalErrorHandler,
  MessageEventHandler,
  PlatformAdapter,
  SendOptions,
  SendResult,
  SessionInterruptHandler,
} from "./platform-adapter.js";
import { ChatRoutes } from "./chat-routes.js";

/** Ops whose refusal says nothing the refusal of the reply itself does not. */
const COSMETIC_OPS: ReadonlySet<string> = new Set(["typing", "react"]);

export interface RelayAdapterOptions {
  transport: RelayTransport;
  /** Placeholder until the handshake replaces it with the connector's descriptor. */
  descriptor?: Descriptor;
  /** How long `goIdle()` / `disconnect()` wait for `going_idle_ack`. Default 10 000 ms. */
  goIdleTimeoutMs?: number;
  /** Default budget of `disconnect()` (going_idle wait included when it still has to ask). */
  disconnectBudgetMs?: number;
  /** Cap on remembered chat routes (platform, scope, user, profile). Default 10 000. */
  maxScopeEntries?: number;
  /** Any `{debug?, info?, warn?, error?}` (console fits). */
  logger?: RelayLogger;
}

/** Extra fields of an `outbound` action beyond `op`. */
export type ActionFields = Record<string, unknown>;

export interface SendActionOptions {
  /** See {@link SendOptions.signal}: an abort settles the request at once as ambiguous. */
  signal?: AbortSignal;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The limits and rendering rules of one chat's platform (its descriptor). */
export interface ChatCapabilities {
  platform: string;
  maxMessageLength: number;
  lenUnit: "chars" | "utf16";
  supportsCodeBlocks: boolean;
  descriptor: Descriptor;
}

function toSendResult(result: OutboundResult): SendResult {
  const out: SendResult = {
    success: result?.success === true,
    raw: result,
    outcome: classifyOutboundResult(result),
  };
  const messageId = str(result?.message_id);
  if (messageId !== undefined) out.messageId = messageId;
  const error = str(result?.error);
  if (error !== undefined) out.error = error;
  if (result?.ambiguous === true) out.ambiguous = true;
  return out;
}

/** Resolves when `promise` settles or after `ms`, whichever is first (never rejects). */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise.then(noop, noop), expired]).finally(() => clearTimeout(timer));
}

function noop(): void {}

export class RelayAdapter implements PlatformAdapter {
  readonly platform = "relay";
  /** The connector authenticated the socket and resolved the author to THIS instance's user (docs/contract/relay.md#authorization). */
  readonly authorizationIsUpstream = true;

  readonly #transport: RelayTransport;
  readonly #routes: ChatRoutes;
  readonly #log: RelayLogger;
  /** Inbound events and forwards that cannot be read: a peer can send one per frame (see LogBudget). */
  readonly #peerWarnings = new LogBudget((m) => this.#warn(m));
  readonly #peerNotes = new LogBudget((m) => this.#info(m));
  readonly #goIdleTimeoutMs: number;
  readonly #disconnectBudgetMs: number | undefined;
  #descriptor: Descriptor;
  #lengthFn: (text: string) => number;
  #onMessage: MessageEventHandler | null = null;
  #onInterrupt: SessionInterruptHandler | null = null;
  #onFatal: FatalErrorHandler | null = null;
  #fatal: AdapterFatalError | null = null;
  #monitoring = false;
  #subscribed = false;
  /** disconnect() calls so far: a connect() that saw one begin while it dialed was cut short by it. */
  #disconnects = 0;
  /** `going_idle` was asked for (acked or not): a later `disconnect()` never asks (and waits) again. */
  #idleAttempted = false;

  constructor(options: RelayAdapterOptions) {
    this.#transport = options.transport;
    this.#descriptor = options.descriptor ?? parseDescriptor({}, { platform: "relay" });
    this.#lengthFn = lengthFunctionFor(this.#descriptor.len_unit);
    this.#routes = new ChatRoutes(options.maxScopeEntries);
    this.#log = options.logger ?? {};
    this.#goIdleTimeoutMs = options.goIdleTimeoutMs ?? 10_000;
    this.#disconnectBudgetMs = options.disconnectBudgetMs;
  }

  // ── capability surface (from the descriptor) ────────────────────────
  get descriptor(): Descriptor {
    return this.#descriptor;
  }
  get maxMessageLength(): number {
    return this.#descriptor.max_message_length;
  }
  messageLength(text: string): number {
    return this.#lengthFn(text);
  }
  get supportsCodeBlocks(): boolean {
    return supportsCodeBlocks(this.#descriptor.markdown_dialect);
  }
  supportsDraftStreaming(_chatType?: string, _metadata?: Record<string, unknown>): boolean {
    return this.#descriptor.supports_draft_streaming === true;
  }
  /** Whether the connector accepts outbound `op` (legacy rule for an empty `supported_ops`). */
  supportsOp(op: string): boolean {
    return supportsOp(this.#descriptor, op);
  }
  // ── per-chat capabilities (one descriptor per fronted platform) ──────
  /**
   * The platform a chat's replies leave through: the one it arrived on, else the primary
   * (first hello'd) identity's, else undefined (a transport that does not tag frames).
   */
  platformForChat(chatId: string): string | undefined {
    return this.#routes.platformOf(chatId) ?? this.#transport.identities?.[0]?.platform;
  }
  /**
   * The descriptor governing one platform: the one negotiated for it on this link, else the
   * first descriptor (a platform never hello'd, or a transport with one descriptor only).
   */
  descriptorForPlatform(platform: string | undefined): Descriptor {
    if (platform === undefined) return this.#descriptor;
    try {
      return this.#transport.descriptorFor?.(platform) ?? this.#descriptor;
    } catch {
      return this.#descriptor; // a capability lookup never breaks a send
    }
  }
  /** The descriptor of the chat's platform (Discord 2000, Telegram 4096 UTF-16, …). */
  descriptorForChat(chatId: string): Descriptor {
    return this.descriptorForPlatform(this.#routes.platformOf(chatId));
  }
  /** What a reply splitter needs for this chat: length limit and unit, code blocks. */
  capabilitiesForChat(chatId: string): ChatCapabilities {
    const d = this.descriptorForChat(chatId);
    return {
      platform: d.platform,
      maxMessageLength: d.max_message_length,
      lenUnit: d.len_unit === "utf16" ? "utf16" : "chars",
      supportsCodeBlocks: supportsCodeBlocks(d.markdown_dialect),
      descriptor: d,
    };
  }
  /** Whether the chat's platform accepts outbound `op`. */
  supportsOpForChat(chatId: string, op: string): boolean {
    return supportsOp(this.descriptorForChat(chatId), op);
  }
  /**
   * Learn (or refresh) a chat's route — platform, scope, user, profile — from the source of an
   * event that did not just arrive through this adapter: a turn a host recovered from its
   * journal after a restart, or one that waited in a queue while the bounded route table moved
   * on. Without it such a reply would leave through the primary identity without the chat's
   * scope. Never throws.
   */
  rememberChat(source: SessionSource | Record<string, unknown>): void {
    this.#routes.capture(source);
  }
  /** Whether this link fronts `platform` (it said `hello` for it). */
  frontsPlatform(platform: string): boolean {
    return this.#transport.identities?.some((i) => i.platform === platform) === true;
  }

  get fatalError(): AdapterFatalError | null {
    return this.#fatal;
  }
  /** The transport's operator-facing state (connected, dial count, last close, authRevoked). */
  get transportState(): RelayTransportState {
    return this.#transport.state;
  }

  // ── host handlers ───────────────────────────────────────────────────
  setMessageHandler(handler: MessageEventHandler): void {
    this.#onMessage = handler;
  }
  setInterruptHandler(handler: SessionInterruptHandler): void {
    this.#onInterrupt = handler;
  }
  setFatalErrorHandler(handler: FatalErrorHandler): void {
    this.#onFatal = handler;
  }

  // ── lifecycle ───────────────────────────────────────────────────────
  /**
   * Wire inbound / interrupt / passthrough handlers, then handshake, then adopt the
   * negotiated descriptor and start the revocation monitor. Resolves false (never rejects)
   * when the link cannot be established.
   */
  async connect(): Promise<boolean> {
    const t = this.#transport;
    t.setInboundHandler((event, meta) => this.#handleInbound(event, meta));
    t.setInterruptHandler((sessionKey, chatId) => this.#handleInterrupt(sessionKey, chatId));
    t.setPassthroughHandler((forward, meta) => this.#handlePassthrough(forward, meta));
    this.#startRevocationMonitor();
    const disconnects = this.#disconnects;
    let descriptor: Descriptor;
    try {
      descriptor = await t.connect();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      // Cut short by our own disconnect() (a host stopping while the link is still being
      // dialed): expected, not a fault of the link.
      if (this.#disconnects !== disconnects)
        this.#debug(`relay handshake abandoned (disconnecting): ${reason}`);
      else this.#warn(`relay handshake failed: ${reason}`);
      this.#checkRevoked();
      return false;
    }
    this.#applyDescriptor(descriptor);
    this.#checkRevoked();
    return this.#fatal === null;
  }

  /**
   * Stop the revocation monitor (so a deliberate teardown never raises a spurious fatal),
   * ask the connector to buffer (`going_idle`, best effort, bounded, and only when
   * {@link goIdle} was not already attempted), then close. With `budgetMs` (or the
   * `disconnectBudgetMs` option) the whole call stays within it: the going_idle wait takes at
   * most half, the transport's bounded close the rest. Never rejects.
   */
  async disconnect(opts: { budgetMs?: number } = {}): Promise<void> {
    const budget = opts.budgetMs ?? this.#disconnectBudgetMs;
    const deadline = budget === undefined ? undefined : Date.now() + Math.max(0, budget);
    this.#monitoring = false;
    this.#disconnects++;
    const t = this.#transport;
    if (!this.#idleAttempted && t.state.connected) {
      this.#idleAttempted = true;
      const wait =
        budget === undefined
          ? this.#goIdleTimeoutMs
          : Math.min(this.#goIdleTimeoutMs, Math.floor(Math.max(0, budget) / 2));
      try {
        // Raced too: a going_idle already pending on this link (asked through the transport
        // directly) would otherwise be joined with its own, longer, wait.
        if (wait > 0) await settledWithin(t.goIdle(wait), wait);
      } catch (err) {
        this.#debug(
          `relay going_idle failed during drain: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    try {
      await t.disconnect(
        deadline === undefined ? undefined : { budgetMs: Math.max(0, deadline - Date.now()) },
      );
    } catch (err) {
      this.#warn(`relay disconnect failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    // Lines held back by the budgets are counted before the host stops (their timers are unref'd).
    this.#peerWarnings.flush();
    this.#peerNotes.flush();
  }

  /**
   * Ask the connector to flip this instance to buffered-only (`going_idle`) and keep serving
   * until it acks: true on the ack, false on timeout or when not connected. A host drains in
   * two steps: `goIdle()`, let running turns reply, then `disconnect()`, which then skips its
   * own going_idle whether or not this one was acked (so no ack costs one wait, not two).
   * Never rejects.
   */
  async goIdle(timeoutMs: number = this.#goIdleTimeoutMs): Promise<boolean> {
    try {
      if (!this.#transport.state.connected) return false;
      this.#idleAttempted = true;
      return await this.#transport.goIdle(timeoutMs);
    } catch (err) {
      this.#debug(`relay going_idle failed: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  /**
   * Scale to zero: ask the connector to buffer (`going_idle`), then close the link while
   * keeping the re-dial armed, so on wake the gateway re-dials and the connector drains the
   * backlog. True when the link went dormant; false without an ack (the link stays up) or on
   * a transport without it. Unlike {@link disconnect} the revocation monitor keeps running.
   */
  async goDormant(timeoutMs: number = this.#goIdleTimeoutMs): Promise<boolean> {
    const go = this.#transport.goDormant;
    if (typeof go !== "function") return false;
    try {
      return (await go.call(this.#transport, timeoutMs)) === true;
    } catch (err) {
      this.#debug(`relay go_dormant failed: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  /** Park the transport's re-dial while a suspend is in flight. False when the hold did not take. */
  holdRedial(): boolean {
    return this.#toggleRedial("hold");
  }

  /** Undo {@link holdRedial} when the suspend did not land. False when it did not take. */
  releaseRedial(): boolean {
    return this.#toggleRedial("release");
  }

  #toggleRedial(which: "hold" | "release"): boolean {
    const fn = which === "hold" ? this.#transport.holdRedial : this.#transport.releaseRedial;
    if (typeof fn !== "function") return false;
    try {
      return fn.call(this.#transport) !== false;
    } catch (err) {
      this.#debug(
        `relay ${which}_redial failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      return false;
    }
  }

  // ── outbound ────────────────────────────────────────────────────────
  async send(chatId: string, content: string, opts: SendOptions = {}): Promise<SendResult> {
    const action: ActionFields = { chat_id: chatId, content };
    if (opts.replyTo !== undefined) action["reply_to"] = opts.replyTo;
    if (opts.metadata !== undefined) action["metadata"] = opts.metadata;
    return toSendResult(
      await this.sendAction(
        "send",
        action,
        opts.signal === undefined ? {} : { signal: opts.signal },
      ),
    );
  }

  /**
   * Post through a shared-identity capability bound to a session (e.g. a Discord interaction
   * follow-up). The gateway never holds the token: it names the session and the capability
   * `kind`; the connector resolves the credential from its vault.
   */
  async sendFollowUp(
    sessionKey: string,
    kind: string,
    content: string,
    metadata: Record<string, unknown> = {},
    opts: SendActionOptions = {},
  ): Promise<SendResult> {
    const meta: Record<string, unknown> = { ...metadata };
    // The session key names the profile the interaction ran under; the connector routes the
    // next interaction of that session to the same profile.
    if (!meta["profile"]) {
      const profile = profileFromSessionKey(sessionKey);
      if (profile !== null) meta["profile"] = profile;
    }
    return toSendResult(
      await this.sendAction(
        "follow_up",
        { session_key: sessionKey, kind, content, metadata: meta },
        opts,
      ),
    );
  }

  /** Proxied to the connector (it owns the platform cache). Falls back to `{name: chatId, type: "dm"}`. */
  async getChatInfo(chatId: string): Promise<ChatInfo> {
    const fallback: ChatInfo = { name: chatId, type: "dm" };
    if (!this.supportsOpForChat(chatId, "get_chat_info")) return fallback;
    const result = await this.sendAction("get_chat_info", { chat_id: chatId });
    const info =
      typeof result["chat_info"] === "object" && result["chat_info"] !== null
        ? result["chat_info"]
        : result;
    const rec = info as Record<string, unknown>;
    const name = str(rec["name"]);
    const type = str(rec["type"]);
    if (name === undefined || type === undefined) return fallback;
    return { ...rec, name, type };
  }

  /**
   * Send any outbound op (docs/contract/relay.md#outbound-actions: `edit`, `typing`, `send_media`, `react`, `thread_create`,
   * `thread_rename`, `prompt`, …). Gated by the descriptor: an op the connector does not
   * support is answered locally `{success:false, error, unsupported:true}` and never sent.
   * The chat's scope is re-attached to `metadata` when the action names a `chat_id`.
   * `opts.signal` aborts the wait (ambiguous result). Never rejects.
   */
  async sendAction(
    op: string,
    fields: ActionFields = {},
    opts: SendActionOptions = {},
  ): Promise<OutboundResult> {
    const chatId =
      typeof fields["chat_id"] === "string" && fields["chat_id"] !== "" ? fields["chat_id"] : null;
    const platform = this.#platformForAction(op, fields, chatId);
    const descriptor = this.descriptorForPlatform(platform);
    if (!supportsOp(descriptor, op)) {
      return {
        success: false,
        error: `relay op "${op}" is not supported by the connector for ${descriptor.platform}`,
        unsupported: true,
      };
    }
    const action = ownFieldsCopy(fields);
    action.op = op;
    if (chatId !== null && op !== "get_chat_info") {
      const meta = fields["metadata"];
      action["metadata"] = this.#routes.attach(
        chatId,
        typeof meta === "object" && meta !== null ? (meta as Record<string, unknown>) : undefined,
      );
    }
    const sendOpts: { platform?: string; signal?: AbortSignal } = {};
    if (platform !== undefined) sendOpts.platform = platform;
    if (opts.signal !== undefined) sendOpts.signal = opts.signal;
    let result: OutboundResult;
    try {
      const r = await this.#transport.sendOutbound(action, sendOpts);
      result =
        typeof r === "object" && r !== null
          ? r
          : { success: false, error: "relay returned no result" };
    } catch (err) {
      // The transport contract says it never rejects; keep the promise anyway.
      result = {
        success: false,
        error: `relay transport error: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    if (classifyOutboundResult(result) === "declined") {
      // An authorization decision, recorded once here; callers must not retry it or re-send
      // the content through another op (see classifyOutboundResult).
      // Cosmetic ops (typing, reactions) refused on the same chat around a refused reply would
      // repeat the warning several times per turn: they are recorded at debug.
      const target =
        chatId ?? (typeof fields["session_key"] === "string" ? fields["session_key"] : "?");
      const record = COSMETIC_OPS.has(op) ? this.#debug.bind(this) : this.#warn.bind(this);
      record(
        `relay ${op} DECLINED by the connector for ${target} (${platform ?? "default identity"}): ${typeof result.error === "string" ? result.error : "egress declined"}`,
      );
    }
    return result;
  }

  /** The chat's platform; for a follow-up the platform its kind names (when fronted); else the primary. */
  #platformForAction(op: string, fields: ActionFields, chatId: string | null): string | undefined {
    if (chatId !== null) return this.platformForChat(chatId);
    const kind = fields["kind"];
    if (op === "follow_up" && typeof kind === "string" && kind.includes(".")) {
      const prefix = kind.slice(0, kind.indexOf("."));
      if (this.frontsPlatform(prefix)) return prefix;
    }
    return this.#transport.identities?.[0]?.platform;
  }

  /**
   * Settle every outbound request still waiting for the connector's result, as ambiguous
   * (`error` says it was aborted; it may have been delivered). A host calls it when its drain
   * budget runs out, so no turn keeps waiting for an answer that may never come. The link
   * stays up. A no-op on a transport without it.
   */
  abortPendingOutbound(): void {
    this.#transport.abortPendingOutbound?.();
  }

  /** The gateway's own /stop for a session, forwarded to the connector. */
  interruptSession(sessionKey: string, reason?: string): void {
    this.#transport.interrupt(sessionKey, reason);
  }

  // ── inbound ─────────────────────────────────────────────────────────
  /**
   * Feed an event that arrived by another authenticated path (the signed-HTTP receiver, docs/contract/relay.md#signed-http-receiver)
   * through the same inbound path as a WS `inbound` frame: scope capture, upstream stamp,
   * host handler. Rejects only if the host handler does.
   */
  async deliverInbound(event: Record<string, unknown>): Promise<void> {
    // Delivered over HTTP: answered once the host took it (an ackAfter() waits for its promise).
    await this.#handleInbound(event as WireMessageEvent, {});
  }

  /** Counterpart of {@link deliverInbound} for a delivered interrupt. */
  deliverInterrupt(sessionKey: string, chatId: string): Promise<void> {
    return this.#handleInterrupt(sessionKey, chatId);
  }

  /**
   * Synchronous when the host handler is: the transport then handles a burst of frames without
   * a microtask per frame (so parsed frames do not pile up waiting). Returns the host's
   * promise when it has one.
   */
  #handleInbound(event: WireMessageEvent, meta: InboundMeta): InboundHandlerResult {
    // The link's first inbound frame can be handled before connect() resolves: adopt the
    // negotiated descriptor now, or the turn would be gated by the placeholder's legacy ops.
    const negotiated = this.#transport.state.descriptor;
    if (negotiated !== null && negotiated !== this.#descriptor) this.#applyDescriptor(negotiated);
    const converted = eventFromWire(event, { platform: this.#descriptor.platform });
    if (!converted.ok) {
      // Taken (and so acked if buffered): replaying an unreadable event would never succeed.
      this.#peerWarnings.log(`relay inbound dropped (${converted.reason}): ${converted.message}`);
      return;
    }
    this.#routes.capture(converted.event.source);
    // A host failure propagates so the transport does not ack a buffered item it did not take.
    return this.#onMessage?.(converted.event, meta);
  }

  async #handleInterrupt(sessionKey: string, chatId: string): Promise<void> {
    await this.#onInterrupt?.(sessionKey, chatId);
  }

  /**
   * A forward that cannot be read is dropped (and so acked if buffered: a replay would not read
   * better). What the host returns or throws goes back to the transport as for an inbound
   * message: a buffered forward the host did not take (it threw, e.g. while draining) is not
   * acked and comes back on the next link.
   */
  #handlePassthrough(forward: WirePassthroughForward, meta: InboundMeta): InboundHandlerResult {
    let event: RelayMessageEvent;
    try {
      const result = discordInteractionToEvent(forward);
      if (!result.ok) {
        this.#peerNotes.log(
          `relay passthrough_forward dropped (${result.reason}): ${result.message}`,
        );
        return;
      }
      const converted = eventFromWire(result.event, { platform: "discord" });
      if (!converted.ok) {
        this.#peerNotes.log(
          `relay passthrough_forward dropped (${converted.reason}): ${converted.message}`,
        );
        return;
      }
      event = converted.event;
    } catch (err) {
      this.#peerWarnings.log(
        `relay passthrough_forward dropped (unreadable): ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
    this.#routes.capture(event.source);
    return this.#onMessage?.(event, meta);
  }

  // ── revocation monitor ──────────────────────────────────────────────
  #startRevocationMonitor(): void {
    this.#monitoring = true;
    if (this.#subscribed) return;
    this.#subscribed = true;
    this.#transport.onAuthRevoked(() => this.#checkRevoked());
  }

  #checkRevoked(): void {
    if (!this.#monitoring || this.#fatal !== null || this.#transport.state.authRevoked !== true)
      return;
    this.#warn("relay credential revoked (opt-out): marking the relay adapter disabled");
    const fatal = new RelayDisabledError();
    this.#fatal = fatal;
    const handler = this.#onFatal;
    if (handler === null) return;
    try {
      Promise.resolve(handler(fatal)).catch(() => this.#debug("relay fatal-error notify failed"));
    } catch {
      this.#debug("relay fatal-error notify failed");
    }
  }

  #applyDescriptor(descriptor: Descriptor): void {
    this.#descriptor = descriptor;
    this.#lengthFn = lengthFunctionFor(descriptor.len_unit);
  }

  #debug(m: string): void {
    logSafely(this.#log, "debug", m);
  }
  #info(m: string): void {
    logSafely(this.#log, "info", m);
  }
  #warn(m: string): void {
    logSafely(this.#log, "warn", m);
  }
}

/**
 * `{ ...fields }` as an object that takes more keys cheaply, keys in the same order. On Node 20
 * adding keys to the object a spread made is a V8 slow path (`{ ...fields, op }` plus the chat's
 * metadata: ~2 µs on every reply, this ~0.1 µs). `__proto__` is defined as an own key, as the
 * spread would, never set as the prototype.
 */
function ownFieldsCopy(fields: ActionFields): OutboundAction {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    if (key === "__proto__")
      Object.defineProperty(out, key, {
        value: fields[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = fields[key];
  }
  return out as OutboundAction;
}
