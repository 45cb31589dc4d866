// The contract between a relay transport (WebSocketRelayTransport, StubTransport) and the
// RelayAdapter that sits on top of it. Pinned here so both can be written independently.
// (Declarations, plus the initial state every implementation starts from.)
import type {
  Descriptor,
  OutboundAction,
  OutboundResult,
  WireMessageEvent,
  WirePassthroughForward,
} from "../protocol/types.js";
import type { DeferredAck } from "./inbox.js";

/** One fronted identity: one `hello` frame per identity; the first is the session default. */
export interface RelayIdentity {
  platform: string;
  botId: string;
  commandManifest?: unknown;
}

/** Delivery metadata of an inbound item. `bufferId` is set only for replayed buffered items. */
export interface InboundMeta {
  bufferId?: string;
  /**
   * The frame as it arrived: its JSON text, one line without the "\n" (set by the WebSocket
   * transport; absent for an item delivered another way). A host that records items durably can
   * store this text instead of serializing the event, and rebuild the event with
   * `eventFromWire(JSON.parse(wire).event, { platform })`, `platform` being the converted
   * event's `source.platform`.
   */
  wire?: string;
}

/** Handlers return when they have TAKEN the item; only then is `inbound_ack` sent (buffered only). */
/** What an inbound handler returns: nothing, a promise (taken when it resolves), or `ackAfter(p)`. */
export type InboundHandlerResult = void | DeferredAck | Promise<void | DeferredAck>;
export type InboundHandler = (event: WireMessageEvent, meta: InboundMeta) => InboundHandlerResult;
export type InterruptHandler = (sessionKey: string, chatId: string) => void | Promise<void>;
export type PassthroughHandler = (
  forward: WirePassthroughForward,
  meta: InboundMeta,
) => InboundHandlerResult;

/**
 * What an operator sees (health endpoints, logs, metrics). A snapshot: counters only ever
 * grow over the transport's life, so a metrics exporter can read them at scrape time.
 */
export interface RelayTransportState {
  /** A handshaken link is up. */
  connected: boolean;
  /** Dials attempted (each mints a fresh upgrade token). */
  dialCount: number;
  /** Successful handshakes (first `descriptor` received). */
  handshakeCount: number;
  /** Dials in a row that ended before a handshake; back to 0 on a successful handshake. */
  consecutiveFailures: number;
  /** When the last handshake completed (epoch ms); null before the first. */
  lastConnectedAt: number | null;
  lastCloseCode: number | null;
  lastCloseReason: string | null;
  /** Closes by WebSocket close code (a dial that never opened counts as 1006). */
  closeCodes: Record<number, number>;
  /** Outbound requests waiting for their `outbound_result`. */
  pendingOutbound: number;
  authRevoked: boolean;
  descriptor: Descriptor | null;
}

export interface SendOutboundOptions {
  platform?: string;
  botId?: string;
  /** Default 30 000 ms. */
  timeoutMs?: number;
  /**
   * Give up waiting when this aborts: the request settles at once with
   * `{success:false, error:"relay outbound aborted…", ambiguous:true}` (the frame was written,
   * the connector may have applied it). Already aborted → not sent, not ambiguous.
   */
  signal?: AbortSignal;
}

export interface RelayTransport {
  setInboundHandler(handler: InboundHandler): void;
  setInterruptHandler(handler: InterruptHandler): void;
  setPassthroughHandler(handler: PassthroughHandler): void;
  /** Dial, send the hellos, resolve with the first descriptor (the negotiated one). */
  connect(): Promise<Descriptor>;
  /** Request/response by requestId; resolves with a result dict, never rejects (docs/contract/relay.md#outbound-results). */
  sendOutbound(action: OutboundAction, opts?: SendOutboundOptions): Promise<OutboundResult>;
  /**
   * Settle every outbound request still waiting for its result now, as ambiguous (it may have
   * been delivered). For a host's shutdown budget: one call instead of a signal per send.
   * Optional for other implementations; the link stays up.
   */
  abortPendingOutbound?(): void;
  /** The gateway's own /stop for a session. */
  interrupt(sessionKey: string, reason?: string): void;
  /**
   * Send `going_idle`; resolves true on `going_idle_ack`, false on timeout (default 10 000 ms).
   * At most once per link: a later call on the same link gets the first call's outcome.
   */
  goIdle(timeoutMs?: number): Promise<boolean>;
  /** Deliberate, bounded close; the supervisor never reconnects after it. */
  disconnect(opts?: { budgetMs?: number }): Promise<void>;
  readonly state: RelayTransportState;
  /** Called once when the transport latches authRevoked (the secret was revoked). */
  onAuthRevoked(listener: () => void): void;
  /**
   * The descriptor negotiated for one fronted platform (one per hello), or undefined. Optional:
   * without it every chat gets the first descriptor.
   */
  descriptorFor?(platform: string): Descriptor | undefined;
  /** The identities hello'd, in order. Optional: without it frames carry no platform tag. */
  readonly identities?: readonly RelayIdentity[];
  /** Scale to zero: `going_idle`, then close the link but keep the re-dial armed (true = done). */
  goDormant?(timeoutMs?: number): Promise<boolean>;
  /** Park the re-dial while a suspend is in flight (bounded); true when the hold is in force. */
  holdRedial?(): boolean;
  /** Undo {@link holdRedial}; a parked re-dial starts now. */
  releaseRedial?(): boolean;
}

/** The state of a transport that has never connected. */
export function initialTransportState(): RelayTransportState {
  return {
    connected: false,
    dialCount: 0,
    handshakeCount: 0,
    consecutiveFailures: 0,
    lastConnectedAt: null,
    lastCloseCode: null,
    lastCloseReason: null,
    closeCodes: {},
    pendingOutbound: 0,
    authRevoked: false,
    descriptor: null,
  };
}
