// One turn's chat on the relay link: its capabilities (from the descriptor of the chat's own
// platform) and its outbound ops through the RelayAdapter. One object per turn, its methods on
// the prototype: a turn used to build a capabilities object and five closures here, and a busy
// gateway's turns are what its garbage collector spends its time on (apps/gateway/BENCH.md).
import {
  RELAY_NOT_CONNECTED,
  type MediaUploadResult,
  type OutboundResult,
  type RelayAdapter,
  type RelayMediaClient,
  type RelayMessageEvent,
  type SendOptions,
  type SendResult,
  type WebSocketRelayTransport,
} from "@hermes/relay-adapter";
import { outboundKind, type MetricsRecorder } from "../ops/metrics-events.js";
import {
  ReplyDeclinedError,
  SendFailedError,
  streamingAllowed,
  type ChatCapabilities,
  type ChatOutbound,
} from "../reply/chat-outbound.js";
import type { LenUnit } from "../reply/split.js";
import { DrainAbortError } from "../turns/scheduler.js";

/** What every turn's chat shares: the link, the media routes, where outbound results are counted. */
export interface RelayChatLink {
  readonly adapter: RelayAdapter;
  readonly transport: WebSocketRelayTransport;
  /** The connector's media routes (null: uploads are off). */
  readonly media: RelayMediaClient | null;
  /** Read at each result: the recorder is swapped in once /metrics is served. */
  readonly metrics: () => MetricsRecorder;
}

const MEDIA_OFF: MediaUploadResult = {
  ok: false,
  code: "MEDIA_FILE",
  message: "media uploads are off (no relay URL or secret)",
};

export class RelayChat implements ChatOutbound, ChatCapabilities {
  readonly #link: RelayChatLink;
  readonly #chatId: string;
  /** `{ thread_id }` when the turn's message is in a thread other than the chat itself. */
  readonly #threadMeta: { readonly thread_id: string } | null;
  /** The session's previous turn, until it settles: no op but typing and reactions goes first. */
  #previous: Promise<void> | null;
  readonly platform: string;
  readonly maxMessageLength: number;
  readonly lenUnit: LenUnit;
  readonly streaming: boolean;

  /**
   * The chat's route (platform, scope, profile) must be known to the adapter (rememberChat).
   * `previous`: see InboundDeps.outbound.
   */
  constructor(
    link: RelayChatLink,
    source: RelayMessageEvent["source"],
    previous: Promise<void> | null = null,
  ) {
    this.#link = link;
    this.#previous = previous;
    this.#chatId = source.chat_id;
    this.#threadMeta =
      source.thread_id !== null && source.thread_id !== source.chat_id
        ? { thread_id: source.thread_id }
        : null;
    // The chat's own platform decides (Discord 2000 chars, Telegram 4096 UTF-16 units, ops, …).
    const d = link.adapter.descriptorForChat(source.chat_id);
    this.platform = source.platform;
    this.maxMessageLength = d.max_message_length;
    this.lenUnit = d.len_unit === "utf16" ? "utf16" : "chars";
    this.streaming = streamingAllowed(d, this);
  }

  get capabilities(): ChatCapabilities {
    return this;
  }

  /** Asked of the descriptor in force when called (a re-dial may negotiate another). */
  supports(op: string): boolean {
    return this.#link.adapter.supportsOpForChat(this.#chatId, op);
  }

  send(text: string, signal: AbortSignal, onHandedOff?: () => void): Promise<string | null> {
    const previous = this.#previous;
    if (previous === null) {
      try {
        return this.#sendNow(text, signal, onHandedOff);
      } catch (e) {
        return Promise.reject(e); // a promise either way, as from an async function
      }
    }
    // The session's previous turn first (it never rejects).
    return previous.then(() => {
      this.#previous = null;
      // Cut off by the drain budget while it waited: not sent (the turn runs again after the restart).
      if (signal.reason instanceof DrainAbortError) throw signal.reason;
      return this.#sendNow(text, signal, onHandedOff);
    });
  }

  /**
   * One attempt at sending `text`, settled by #settle. Not an async function looping around an
   * await: a send waits for the connector's answer, and one callback on the answer is fewer
   * objects per turn than an async frame suspended that long (apps/gateway/BENCH.md).
   */
  #sendNow(
    text: string,
    signal: AbortSignal,
    onHandedOff: (() => void) | undefined,
  ): Promise<string | null> {
    const link = this.#link;
    // When the link is ready as adapter.send is called, the frame is written within its
    // synchronous part: a later send goes out after it, and it is never sent again (only
    // RELAY_NOT_CONNECTED, which means not written, is retried in #settle).
    const handedOff = onHandedOff !== undefined && link.transport.linkReady;
    // No signal per send (a listener per send costs memory on a busy gateway): at the drain
    // budget the runtime settles every pending send at once (abortPendingOutbound).
    const answer = link.adapter.send(
      this.#chatId,
      text,
      this.#threadMeta ? { metadata: this.#threadMeta } : NO_SEND_OPTIONS,
    );
    if (handedOff) onHandedOff();
    return answer.then((r) => this.#settle(r, text, signal, onHandedOff, handedOff));
  }

  #settle(
    r: SendResult,
    text: string,
    signal: AbortSignal,
    onHandedOff: (() => void) | undefined,
    handedOff: boolean,
  ): string | null | Promise<string | null> {
    const transport = this.#link.transport;
    this.#link.metrics().outbound(outboundKind(r.raw));
    if (r.success) return r.messageId ?? null;
    // Refused by the connector's egress guard: an authorization decision (the adapter
    // logged it). Never retried, and the rest of the reply is not sent either.
    if (r.outcome === "declined") throw new ReplyDeclinedError("send");
    // Not sent at all while the link is down: wait for it to come back (the turn's signal
    // bounds the wait), then send. Anything else, and an ambiguous result, is not retried.
    if (
      r.error === RELAY_NOT_CONNECTED &&
      !handedOff &&
      !signal.aborted &&
      !transport.state.authRevoked
    )
      return waitForLink(transport, signal).then(() => {
        if (!signal.aborted) return this.#sendNow(text, signal, onHandedOff);
        throw notDelivered(r);
      });
    throw notDelivered(r);
  }

  async action(op: string, fields: Record<string, unknown>): Promise<OutboundResult> {
    const cosmetic = op === "typing" || op === "react";
    const previous = this.#previous;
    if (previous !== null && !cosmetic) {
      await previous; // never rejects
      this.#previous = null;
    }
    const r = await this.#link.adapter.sendAction(op, this.#withChat(fields));
    // The metric counts the reply's ops; typing and reactions are cosmetic (logged at debug).
    if (r.unsupported !== true && !cosmetic) this.#link.metrics().outbound(outboundKind(r));
    return r;
  }

  upload(path: string, signal: AbortSignal): Promise<MediaUploadResult> {
    const media = this.#link.media;
    return media === null ? Promise.resolve(MEDIA_OFF) : media.upload(path, { signal });
  }

  /**
   * The op's fields with the chat's id (and thread), which win over the fields'. Keys set on a
   * copy, not `{ ...fields, chat_id }`: on Node 20 keys added to a spread's object cost
   * ~0.5-2 µs (a V8 slow path), and typing runs this every turn.
   */
  #withChat(fields: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(fields)) out[key] = fields[key];
    out["chat_id"] = this.#chatId;
    if (this.#threadMeta) out["metadata"] = this.#threadMeta;
    return out;
  }
}

function notDelivered(r: SendResult): SendFailedError {
  return new SendFailedError(
    `reply not delivered: ${r.error ?? "unknown error"}${r.ambiguous ? " (ambiguous: may have been delivered)" : ""}`,
  );
}

/** The options of a send outside a thread (adapter.send only reads them). */
const NO_SEND_OPTIONS: SendOptions = Object.freeze({});

/** Resolves when the link is handshaken again, the gateway is revoked or stopped, or `signal` aborts. */
export function waitForLink(
  transport: WebSocketRelayTransport,
  signal: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    // A timer after the handshake: a link that is closing still reads as up for a moment, and
    // re-sending in a microtask loop would starve the close event that settles it.
    const later = (): void => void setTimeout(done, 50);
    transport.connect().then(later, later);
  });
}
