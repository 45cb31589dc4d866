// StubTransport: an in-memory RelayTransport for unit tests of code built on RelayAdapter.
// Records everything sent; pushes events through the registered handlers.
import { parseDescriptor } from "../protocol/descriptor.js";
import type {
  Descriptor,
  OutboundAction,
  OutboundResult,
  WireMessageEvent,
  WirePassthroughForward,
} from "../protocol/types.js";
import type {
  InboundHandler,
  InboundMeta,
  InterruptHandler,
  PassthroughHandler,
  RelayTransport,
  RelayTransportState,
  SendOutboundOptions,
} from "../transport/types.js";
import { initialTransportState } from "../transport/types.js";

export interface StubTransportOptions {
  /** Descriptor `connect()` resolves with (normalized). Default: a plain "stub" platform. */
  descriptor?: Partial<Descriptor>;
  /** Answer to each outbound action. Default `{success: true, message_id: "stub-<n>"}`. */
  respond?: (
    action: OutboundAction,
    opts: SendOutboundOptions,
  ) => OutboundResult | Promise<OutboundResult>;
  /** What `goIdle()` resolves with. Default true. */
  idleAck?: boolean;
}

export class StubTransport implements RelayTransport {
  readonly sent: { action: OutboundAction; opts: SendOutboundOptions }[] = [];
  readonly interrupts: { sessionKey: string; reason: string | undefined }[] = [];
  /** `connect`, `goIdle`, `disconnect` in call order. */
  readonly calls: string[] = [];
  readonly #opts: StubTransportOptions;
  #inbound: InboundHandler | null = null;
  #interrupt: InterruptHandler | null = null;
  #passthrough: PassthroughHandler | null = null;
  readonly #revoked: (() => void)[] = [];
  #n = 0;
  #state: RelayTransportState = initialTransportState();

  constructor(opts: StubTransportOptions = {}) {
    this.#opts = opts;
  }

  get state(): RelayTransportState {
    return { ...this.#state, closeCodes: { ...this.#state.closeCodes } };
  }
  setInboundHandler(h: InboundHandler): void {
    this.#inbound = h;
  }
  setInterruptHandler(h: InterruptHandler): void {
    this.#interrupt = h;
  }
  setPassthroughHandler(h: PassthroughHandler): void {
    this.#passthrough = h;
  }
  onAuthRevoked(listener: () => void): void {
    this.#revoked.push(listener);
  }

  async connect(): Promise<Descriptor> {
    this.calls.push("connect");
    if (this.#state.authRevoked) throw new Error("stub transport: revoked");
    const d = parseDescriptor({ platform: "stub", ...this.#opts.descriptor });
    this.#state = {
      ...this.#state,
      connected: true,
      dialCount: this.#state.dialCount + 1,
      handshakeCount: this.#state.handshakeCount + 1,
      lastConnectedAt: Date.now(),
      descriptor: d,
    };
    return d;
  }

  async sendOutbound(
    action: OutboundAction,
    opts: SendOutboundOptions = {},
  ): Promise<OutboundResult> {
    if (opts.signal?.aborted === true)
      return { success: false, error: "relay outbound aborted before it was sent" };
    if (!this.#state.connected) return { success: false, error: "relay transport not connected" };
    this.sent.push({ action, opts });
    return this.#opts.respond
      ? this.#opts.respond(action, opts)
      : { success: true, message_id: `stub-${++this.#n}` };
  }

  interrupt(sessionKey: string, reason?: string): void {
    this.interrupts.push({ sessionKey, reason });
  }

  async goIdle(): Promise<boolean> {
    this.calls.push("goIdle");
    return this.#state.connected && (this.#opts.idleAck ?? true);
  }

  async disconnect(): Promise<void> {
    this.calls.push("disconnect");
    this.#state = {
      ...this.#state,
      connected: false,
      lastCloseCode: 1000,
      lastCloseReason: "gateway disconnect",
      closeCodes: count(this.#state.closeCodes, 1000),
    };
  }

  /**
   * Deliver an inbound event; resolves when the handler has taken it (for a handler returning
   * `ackAfter(p)`, once `p` resolved too: when the item would be acked).
   */
  async pushInbound(event: WireMessageEvent, meta: InboundMeta = {}): Promise<void> {
    await this.#inbound?.(event, meta);
  }
  async pushInterrupt(sessionKey: string, chatId: string): Promise<void> {
    await this.#interrupt?.(sessionKey, chatId);
  }
  async pushPassthrough(forward: WirePassthroughForward, meta: InboundMeta = {}): Promise<void> {
    await this.#passthrough?.(forward, meta);
  }
  /** Simulate a confirmed revocation: latch authRevoked and notify listeners once. */
  revoke(): void {
    if (this.#state.authRevoked) return;
    this.#state = {
      ...this.#state,
      authRevoked: true,
      connected: false,
      lastCloseCode: 4401,
      lastCloseReason: "unauthorized",
      closeCodes: count(this.#state.closeCodes, 4401),
    };
    for (const l of this.#revoked) l();
  }
}

function count(codes: Record<number, number>, code: number): Record<number, number> {
  return { ...codes, [code]: (codes[code] ?? 0) + 1 };
}
