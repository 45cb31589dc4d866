// The platform-adapter interface: what a host (apps/gateway) calls on any chat platform
// adapter. RelayAdapter is the implementation in this package; a host written against this
// interface needs no relay-specific code except for the relay-only extras (follow-ups, ops).
import type { OutboundOutcome } from "../protocol/egress.js";
import type { OutboundResult } from "../protocol/types.js";
import type { InboundHandlerResult, InboundMeta } from "../transport/types.js";
import type { RelayMessageEvent } from "../protocol/event.js";

/** Outcome of a send-like call. Never an exception: failures are `success: false` with an `error`. */
export interface SendResult {
  success: boolean;
  messageId?: string;
  error?: string;
  /** The frame was written but no answer came: the connector MAY have delivered it. Do not blindly retry. */
  ambiguous?: boolean;
  /**
   * What happened, classified (see `classifyOutboundResult`). `declined` = the connector
   * refused the destination (`code: "egress_declined"`): never retry it, never re-send it as
   * another op.
   */
  outcome: OutboundOutcome;
  /** The connector's result dict as received. */
  raw: OutboundResult;
}

export interface ChatInfo {
  name: string;
  type: string;
  [key: string]: unknown;
}

export interface SendOptions {
  replyTo?: string;
  metadata?: Record<string, unknown>;
  /**
   * Stop waiting for the connector's answer when this aborts (e.g. the turn's signal at a
   * drain budget): the send resolves `{success:false, ambiguous:true}` at once (it may have
   * been delivered). Already aborted → not sent.
   */
  signal?: AbortSignal;
}

/** A non-retryable (or retryable) adapter failure the host must surface, e.g. `relay_disabled`. */
export interface AdapterFatalError {
  readonly code: string;
  readonly message: string;
  /** false: do NOT queue the adapter for reconnection. */
  readonly retryable: boolean;
}

/**
 * Called with each inbound message, one at a time in arrival order; resolve once the host has
 * TAKEN it (buffered items are acked then). `meta.bufferId` is set when the event is a replayed
 * buffered item: it is acked once the returned promise resolves, so a host that must not lose it
 * records it durably first. Returning `ackAfter(promise)` instead takes the item at once (the
 * next one is handled without waiting) and acks it when `promise` resolves: a replay of many
 * items can then share one durable write.
 */
export type MessageEventHandler = (
  event: RelayMessageEvent,
  meta: InboundMeta,
) => InboundHandlerResult;
/** Cancel exactly this session's turn (the connector forwarded a /stop). */
export type SessionInterruptHandler = (sessionKey: string, chatId: string) => void | Promise<void>;
export type FatalErrorHandler = (error: AdapterFatalError) => void | Promise<void>;

/**
 * The contract between a host gateway and a platform adapter.
 *
 * Lifecycle: set the handlers, `connect()` (true = live), use `send` & co., `disconnect()`.
 * Capability surface: the host's stream consumer splits replies by `maxMessageLength` as
 * measured by `messageLength`, uses code fences only when `supportsCodeBlocks`, and streams
 * drafts (edits in place) only when `supportsDraftStreaming()`.
 * Authorization: a host admits an event without a local allowlist ONLY when the adapter
 * declares `authorizationIsUpstream` AND the event carries the locally stamped upstream
 * marker (docs/contract/relay.md#authorization). Every adapter except the relay adapter declares false.
 */
export interface PlatformAdapter {
  /** Stable platform name the host uses in logs and config (`relay` for RelayAdapter). */
  readonly platform: string;
  readonly authorizationIsUpstream: boolean;
  readonly maxMessageLength: number;
  /** Length of `text` in the platform's unit (code points or UTF-16 units). */
  messageLength(text: string): number;
  readonly supportsCodeBlocks: boolean;
  supportsDraftStreaming(chatType?: string, metadata?: Record<string, unknown>): boolean;

  setMessageHandler(handler: MessageEventHandler): void;
  setInterruptHandler(handler: SessionInterruptHandler): void;
  setFatalErrorHandler(handler: FatalErrorHandler): void;
  /** The latched fatal error, if any (e.g. the relay credential was revoked). */
  readonly fatalError: AdapterFatalError | null;

  /** Resolve true when live; false on a failed connect (never rejects). */
  connect(): Promise<boolean>;
  /** Deliberate, bounded shutdown (within `budgetMs` when given). Never rejects. */
  disconnect(opts?: { budgetMs?: number }): Promise<void>;
  send(chatId: string, content: string, opts?: SendOptions): Promise<SendResult>;
  getChatInfo(chatId: string): Promise<ChatInfo>;
}
