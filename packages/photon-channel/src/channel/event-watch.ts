// The layer beneath the SDK that the SDK does not expose: a second, lightweight subscription to
// the project's message events through `@photon-ai/advanced-imessage`'s gRPC client, which sees
// what spectrum-ts hides — heartbeats and event sequences. It drives three things:
// - the silence watchdog: no frame (event or heartbeat) for `silenceTimeoutMs` → the stream is
//   torn down, the client closed, and a new one subscribed with backoff (`onSilent` tells the
//   channel, which restarts the SDK too: its streams are just as likely to be dead);
// - the resume cursor: every message event's sequence and id, so the channel knows what it has
//   not handled yet;
// - catch-up: on every (re)subscription, `EventService/CatchUpEvents(after = last sequence)`
//   replays what happened meanwhile, and on the first one, from the cursor persisted by the last
//   run. A cursor the server no longer honours is reported through `onGap`, never hidden.
import { withDeadline } from "./deadline.js";
import { errorName } from "./errors.js";

/** One message event as the watch reports it: enough to find the message through the SDK. */
export interface WatchedMessage {
  sequence: number;
  messageGuid: string;
  chatGuid: string;
}

/** The slice of `@photon-ai/advanced-imessage`'s client the watch uses (structural). */
export interface RawEventStream<T> extends AsyncIterable<T> {
  close(): void | Promise<void>;
}

export interface RawEvent {
  readonly type: string;
  readonly sequence?: number;
  readonly chatGuid?: string;
  readonly headSequence?: number;
  readonly message?: {
    readonly guid?: string;
    readonly isFromMe?: boolean;
    readonly chatGuids?: readonly string[];
  };
}

export interface RawImessageClient {
  readonly messages: { subscribeEvents(): RawEventStream<RawEvent> };
  readonly events: { catchUp(since?: number): RawEventStream<RawEvent> };
  close(): void | Promise<void>;
}

export type EventWatchState = "stopped" | "connecting" | "live" | "backing_off";

export interface EventWatchStats {
  state: EventWatchState;
  /** Subscriptions opened (the first one included). */
  subscriptions: number;
  /** Times a subscription stayed silent past the deadline and was torn down. */
  silentEpisodes: number;
  /** Subscriptions that ended or failed (server drop, refusal, network). */
  failures: number;
  /** Catch-ups refused because the server no longer holds the events (a gap). */
  gaps: number;
  lastSequence: number | null;
  /** ISO time of the last frame (event or heartbeat), `null` before the first. */
  lastFrameAt: string | null;
}

export interface EventWatchOptions {
  /** Builds a client whose heartbeat frames call `onHeartbeat`. Called again after a silence. */
  createClient(onHeartbeat: () => void): Promise<RawImessageClient>;
  silenceTimeoutMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  now: () => number;
  /** A message event not sent by us; `catchUp` is true when it came from a catch-up. */
  onMessage(message: WatchedMessage, catchUp: boolean): void;
  /** Every sequence seen (any event type), in order. */
  onSequence(sequence: number): void;
  onSilent(): void;
  /** A subscription failed (not by silence): the error as the client raised it. */
  onFailure?(error: unknown): void;
  /** The server refused to replay events after `after`: they are lost to us. */
  onGap(after: number): void;
  log(level: "info" | "warn", message: string): void;
}

/** Live events that arrive while a catch-up runs are held (bounded) and handled after it. */
const MAX_BUFFERED_LIVE = 1000;

class SilentStreamError extends Error {
  constructor() {
    super("the event stream stayed silent past its deadline");
    this.name = "SilentStreamError";
  }
}

export class EventWatch {
  readonly #options: EventWatchOptions;
  #state: EventWatchState = "stopped";
  #running: Promise<void> | null = null;
  #client: RawImessageClient | null = null;
  #stream: RawEventStream<RawEvent> | null = null;
  #lastSequence: number | null = null;
  #lastFrameAt: number | null = null;
  #silenced = false;
  #watchdog: NodeJS.Timeout | undefined;
  #wake: (() => void) | null = null;
  #resubscribing = false;
  #counters = { subscriptions: 0, silentEpisodes: 0, failures: 0, gaps: 0 };

  constructor(options: EventWatchOptions) {
    this.#options = options;
  }

  get stats(): EventWatchStats {
    return {
      state: this.#state,
      ...this.#counters,
      lastSequence: this.#lastSequence,
      lastFrameAt: this.#lastFrameAt === null ? null : new Date(this.#lastFrameAt).toISOString(),
    };
  }

  /**
   * Starts watching; the first subscription catches up from `cursor` when there is one. It opens
   * after `delayMs` (state `connecting` meanwhile): see `PhotonWatchOptions.startDelayMs`.
   */
  start(cursor: number | null, delayMs = 0): void {
    if (this.#running) return;
    this.#lastSequence = cursor;
    this.#state = "connecting";
    this.#running = this.#run(delayMs);
  }

  /**
   * Closes the live subscription and opens a new one at once on the same client, catching up from
   * the last sequence seen (nothing is missed in between): the server then holds this subscription
   * after any opened since. Not a failure: nothing is counted or logged. A watch that is not live
   * (connecting, backing off) is left alone: its next subscription comes anyway.
   */
  resubscribe(): void {
    if (this.#state !== "live") return;
    this.#resubscribing = true;
    void this.#closeStream();
  }

  async stop(): Promise<void> {
    this.#state = "stopped";
    clearInterval(this.#watchdog);
    this.#wake?.();
    await this.#closeStream();
    await this.#closeClient();
    await this.#running;
    this.#running = null;
  }

  async #run(delayMs: number): Promise<void> {
    if (delayMs > 0) await this.#sleep(delayMs);
    let backoff = this.#options.initialBackoffMs;
    const period = Math.max(10, Math.floor(this.#options.silenceTimeoutMs / 4));
    this.#watchdog = setInterval(() => this.#checkSilence(), period);
    // The watchdog never keeps a process alive on its own: the gRPC channel and the SDK do.
    this.#watchdog.unref();
    while (!this.#stopped()) {
      let gotFrames = false;
      try {
        gotFrames = await this.#subscribeOnce();
      } catch (error) {
        if (this.#stopped()) break;
        if (this.#resubscribing && !this.#silenced && !(error instanceof SilentStreamError)) {
          this.#resubscribing = false;
          continue;
        }
        this.#resubscribing = false;
        if (error instanceof SilentStreamError || this.#silenced) {
          this.#counters.silentEpisodes += 1;
          this.#options.log(
            "warn",
            `photon: the event stream was silent for over ${this.#options.silenceTimeoutMs} ms; reconnecting`,
          );
          // A half-open connection: a new stream on the same HTTP/2 connection would hang too.
          await this.#closeClient();
          this.#options.onSilent();
        } else {
          this.#counters.failures += 1;
          this.#options.log(
            "warn",
            `photon: the event stream failed (${errorName(error)}); reconnecting`,
          );
          this.#options.onFailure?.(error);
        }
      }
      if (this.#stopped()) break;
      if (gotFrames) backoff = this.#options.initialBackoffMs;
      this.#state = "backing_off";
      await this.#sleep(backoff);
      backoff = Math.min(backoff * 2, this.#options.maxBackoffMs);
    }
    clearInterval(this.#watchdog);
  }

  /** One subscription: live stream opened, catch-up replayed, then live until it ends. Resolves true if frames arrived. */
  async #subscribeOnce(): Promise<boolean> {
    this.#silenced = false;
    this.#state = "connecting";
    this.#client ??= await withDeadline(
      this.#options.createClient(() => this.#frame()),
      this.#options.silenceTimeoutMs,
      "creating the event client",
    );
    const client = this.#client;
    if (this.#stopped()) return false;
    const stream = client.messages.subscribeEvents();
    this.#stream = stream;
    this.#counters.subscriptions += 1;
    // The deadline starts now: a subscription that never gets a frame is as dead as one that stops.
    this.#lastFrameAt = this.#options.now();
    const startFrames = this.#frames;
    const buffered: RawEvent[] = [];
    let catchingUp = true;
    const pump = (async () => {
      for await (const event of stream) {
        this.#frame();
        if (catchingUp) {
          if (buffered.length >= MAX_BUFFERED_LIVE)
            throw new Error("too many live events during catch-up");
          buffered.push(event);
        } else this.#handle(event, false);
      }
    })();
    // Surfaced after catch-up (or now, if catch-up fails first); never an unhandled rejection.
    const pumped = pump.then(
      () => null,
      (error: unknown) => error,
    );
    try {
      if (this.#lastSequence !== null) {
        // Frames keep the silence deadline fresh; a catch-up that stops sending them is cut off.
        await withDeadline(
          this.#catchUp(client, this.#lastSequence),
          this.#options.silenceTimeoutMs * 4,
          "catching up",
        );
      }
      if (this.#silenced) throw new SilentStreamError();
      catchingUp = false;
      for (const event of buffered.splice(0)) this.#handle(event, false);
      if (!this.#stopped()) this.#state = "live";
      const failure = await pumped;
      if (this.#silenced) throw new SilentStreamError();
      if (failure !== null) throw failure;
      if (!this.#stopped()) throw new Error("the event stream ended");
    } finally {
      catchingUp = false;
      await this.#closeStream();
      await pumped;
    }
    return this.#frames > startFrames;
  }

  async #catchUp(client: RawImessageClient, after: number): Promise<void> {
    const replay = client.events.catchUp(after);
    try {
      for await (const event of replay) {
        this.#frame();
        if (event.type === "catchup.complete") break;
        this.#handle(event, true);
      }
    } catch (error) {
      if (!isCursorRejected(error)) throw error;
      this.#counters.gaps += 1;
      this.#options.log(
        "warn",
        `photon: Photon no longer holds the events after sequence ${after}; messages sent meanwhile cannot be caught up`,
      );
      this.#options.onGap(after);
      this.#lastSequence = null;
    } finally {
      await replay.close();
    }
  }

  #frames = 0;

  /** A method, so TypeScript does not narrow the state across awaits. */
  #stopped(): boolean {
    return this.#state === "stopped";
  }

  #frame(): void {
    this.#frames += 1;
    this.#lastFrameAt = this.#options.now();
  }

  #handle(event: RawEvent, catchUp: boolean): void {
    const sequence = event.sequence;
    if (typeof sequence !== "number" || !Number.isSafeInteger(sequence)) return;
    if (this.#lastSequence !== null && sequence <= this.#lastSequence) return;
    this.#lastSequence = sequence;
    const message = event.message;
    if (
      event.type === "message.received" &&
      message &&
      message.isFromMe !== true &&
      typeof message.guid === "string"
    ) {
      const chatGuid = event.chatGuid ?? message.chatGuids?.[0];
      if (typeof chatGuid === "string")
        this.#options.onMessage({ sequence, messageGuid: message.guid, chatGuid }, catchUp);
    }
    this.#options.onSequence(sequence);
  }

  #checkSilence(): void {
    if (this.#state !== "live" && this.#state !== "connecting") return;
    if (
      this.#lastFrameAt === null ||
      this.#options.now() - this.#lastFrameAt <= this.#options.silenceTimeoutMs
    )
      return;
    if (this.#silenced) return;
    this.#silenced = true;
    // The client too: a catch-up hanging on the same dead connection must end as well.
    void this.#closeStream();
    void this.#closeClient();
  }

  #closeStream(): Promise<void> {
    const stream = this.#stream;
    this.#stream = null;
    return closeQuietly(stream, this.#options.silenceTimeoutMs);
  }

  #closeClient(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    return closeQuietly(client, this.#options.silenceTimeoutMs);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}

/** advanced-imessage maps INVALID_ARGUMENT / FAILED_PRECONDITION to ValidationError: the cursor was refused. */
function isCursorRejected(error: unknown): boolean {
  return error instanceof Error && error.name === "ValidationError";
}

/** Closing a stream or client that already failed is not an error worth reporting. */
async function closeQuietly(
  closable: { close(): void | Promise<void> } | null,
  deadlineMs: number,
): Promise<void> {
  try {
    if (closable) await withDeadline(Promise.resolve(closable.close()), deadlineMs, "closing");
  } catch {
    // See above.
  }
}
