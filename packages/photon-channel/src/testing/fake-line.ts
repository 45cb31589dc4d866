// One iMessage line of the Spectrum fake: its gRPC services (own port, own event log and sequence
// numbers, own tokens) and what a test scripts on it. The shared line, or one dedicated line.
import type {
  FakeIMessageService,
  LoggedEvent,
  RecordedCall,
  RejectedCall,
} from "./imessage-service.js";
import { buildInbound, type InboundSpec } from "./inbound-builders.js";

/** An accepted `SendAttachmentMessage`, with the file it sent (uploaded before with `UploadAttachment`). */
export interface RecordedAttachmentSend {
  chatGuid: string;
  /** The file name given to `UploadAttachment`. */
  fileName: string;
  data: Buffer;
  /** Sent as a voice message (`is_audio_message`). */
  isAudioMessage: boolean;
  idempotencyKey: string | undefined;
  outcome: "ok" | "ambiguous";
}

/** What one pushed inbound event became on the service. */
export interface PushedInbound {
  sequence: number;
  chatGuid: string;
  /** The new message's GUID (for a reaction: the reacted-to message). */
  messageGuid: string;
}

export class SpectrumFakeTimeoutError extends Error {
  readonly code = "SPECTRUM_FAKE_TIMEOUT";
  constructor(what: string, timeoutMs: number) {
    super(`Spectrum fake: ${what} did not happen within ${timeoutMs} ms`);
    this.name = "SpectrumFakeTimeoutError";
  }
}

/**
 * One line the fake serves: the shared line (`instanceId` null), or a dedicated line. Events pushed
 * here are numbered by this line alone, sends made through it are recorded here, and its faults
 * touch only its own streams.
 */
export class FakeImessageLine {
  /** The dedicated line's instance id; `null` for the shared line. */
  readonly instanceId: string | null;
  /** The dedicated line's number; `null` for the shared line. */
  readonly phone: string | null;

  readonly #now: () => Date;
  readonly #nextGuid: (prefix: string) => string;

  constructor(
    protected readonly service: FakeIMessageService,
    now: () => Date,
    nextGuid: (prefix: string) => string,
    identity: { instanceId: string; phone: string } | null,
  ) {
    this.#now = now;
    this.#nextGuid = nextGuid;
    this.instanceId = identity?.instanceId ?? null;
    this.phone = identity?.phone ?? null;
  }

  /** `127.0.0.1:<port>`: where this line's gRPC services listen. */
  get address(): string {
    return this.service.address;
  }

  /** `Subscribe*` and `CatchUpEvents` calls this line received, admitted or refused: connection attempts. */
  get streamAttempts(): number {
    return this.service.streamAttempts;
  }

  /**
   * Every `Subscribe*` stream this line opened, in order, with the client's address: streams
   * from one client share it (one HTTP/2 connection), so the SDK's and the watch's differ.
   */
  get subscriptions(): ReadonlyArray<{ kind: string; peer: string }> {
    return this.service.subscriptions;
  }

  // ── inbound ────────────────────────────────────────────────────────────────────────────────

  /** Delivers one inbound event as if an iMessage user sent it; returns its sequence and GUIDs. */
  push(spec: InboundSpec): PushedInbound {
    const built = buildInbound(spec, this.#now(), (prefix) => this.#nextGuid(prefix));
    if (built.storedMessage) this.service.messages.set(built.messageGuid, built.storedMessage);
    for (const { guid, attachment } of built.storedAttachments)
      this.service.attachments.set(guid, attachment);
    const event = this.service.append("messageChanged", built.change);
    return { sequence: event.sequence, chatGuid: built.chatGuid, messageGuid: built.messageGuid };
  }

  /** Appends the change of an earlier event again under a new sequence, as at-least-once delivery may. */
  redeliver(sequence: number): number {
    const earlier = this.service.events.find((event) => event.sequence === sequence);
    if (!earlier) throw new RangeError(`no retained event with sequence ${sequence}`);
    return this.service.append(earlier.kind, earlier.change).sequence;
  }

  /** Appends any change event as-is (for content the builders do not cover, or unknown shapes). */
  pushRaw(kind: LoggedEvent["kind"], change: Record<string, unknown>): number {
    return this.service.append(kind, change).sequence;
  }

  /** The global event log (what `CatchUpEvents` replays). */
  get events(): readonly LoggedEvent[] {
    return this.service.events;
  }

  get headSequence(): number {
    return this.service.headSequence;
  }

  // ── what clients did ───────────────────────────────────────────────────────────────────────

  /** Every accepted mutating call, in order (sends, tapbacks, typing, read marks, uploads). */
  get calls(): readonly RecordedCall[] {
    return this.service.calls;
  }

  /** Accepted `Send*Message` calls. */
  get sends(): RecordedCall[] {
    return this.service.calls.filter((call) => call.method.startsWith("Send"));
  }

  /** Accepted `SendAttachmentMessage` calls, each with the bytes and name of the file it sent. */
  get attachmentSends(): RecordedAttachmentSend[] {
    return this.service.calls
      .filter((call) => call.method === "SendAttachmentMessage")
      .map((call) => {
        const ref = (call.request["attachment"] ?? {}) as Record<string, unknown>;
        const stored = this.service.attachments.get(String(ref["attachmentGuid"] ?? ""));
        return {
          chatGuid: String(call.request["chatGuid"] ?? ""),
          fileName: String(stored?.info["fileName"] ?? ""),
          data: stored?.data ?? Buffer.alloc(0),
          isAudioMessage: call.request["isAudioMessage"] === true,
          idempotencyKey: call.idempotencyKey,
          outcome: call.outcome,
        };
      });
  }

  /** Chat GUIDs of accepted `MarkChatRead` calls (read receipts), in order. */
  get readMarks(): string[] {
    return this.service.calls
      .filter((call) => call.method === "MarkChatRead")
      .map((call) => String(call.request["chatGuid"] ?? ""));
  }

  /** Accepted `SetReaction` calls. */
  get reactions(): RecordedCall[] {
    return this.service.calls.filter((call) => call.method === "SetReaction");
  }

  /** Calls refused before anything happened (rate-limited, unauthenticated). */
  get rejected(): readonly RejectedCall[] {
    return this.service.rejected;
  }

  /** `after_sequence` of each `CatchUpEvents` call, `null` when the client sent none. */
  get catchUpRequests(): readonly (number | null)[] {
    return this.service.catchUpRequests;
  }

  get openStreamCount(): number {
    return this.service.openStreamCount;
  }

  /**
   * Calls `listener` with each call this line accepts from now on, as it is recorded and before
   * the client is answered: what the client had done by the moment its call arrived can be
   * observed there (a file it wrote, say). Returns a function that stops the calls.
   */
  onCall(listener: (call: RecordedCall) => void): () => void {
    this.service.on("call", listener);
    return () => this.service.off("call", listener);
  }

  /** Resolves with the first recorded call `matches` accepts (already recorded ones count). */
  waitForCall(matches: (call: RecordedCall) => boolean, timeoutMs = 10_000): Promise<RecordedCall> {
    return this.waitFor(
      "call",
      () => this.service.calls.find(matches),
      timeoutMs,
      "a matching call",
    );
  }

  /** Resolves once `count` `Send*Message` calls were accepted. */
  waitForSends(count: number, timeoutMs = 10_000): Promise<RecordedCall[]> {
    return this.waitFor(
      "call",
      () => (this.sends.length >= count ? this.sends : undefined),
      timeoutMs,
      `${count} sends`,
    );
  }

  /** Resolves once `count` `SendAttachmentMessage` calls were accepted. */
  waitForAttachmentSends(count: number, timeoutMs = 10_000): Promise<RecordedAttachmentSend[]> {
    return this.waitFor(
      "call",
      () => {
        const sends = this.attachmentSends;
        return sends.length >= count ? sends : undefined;
      },
      timeoutMs,
      `${count} attachment sends`,
    );
  }

  /** Resolves once at least `count` `Subscribe*` streams are open. */
  waitForStreams(count: number, timeoutMs = 10_000): Promise<number> {
    return this.waitFor(
      "subscribed",
      () => (this.service.openStreamCount >= count ? this.service.openStreamCount : undefined),
      timeoutMs,
      `${count} open streams`,
    );
  }

  /** Resolves once `check` holds for the `Subscribe*` streams opened so far (see `subscriptions`). */
  waitForSubscriptions(
    check: (opened: ReadonlyArray<{ kind: string; peer: string }>) => boolean,
    timeoutMs = 10_000,
    what = "the expected subscriptions",
  ): Promise<ReadonlyArray<{ kind: string; peer: string }>> {
    return this.waitFor(
      "subscribed",
      () => (check(this.service.subscriptions) ? this.service.subscriptions : undefined),
      timeoutMs,
      what,
    );
  }

  /** Resolves once `count` `CatchUpEvents` calls were made. */
  waitForCatchUps(count: number, timeoutMs = 10_000): Promise<readonly (number | null)[]> {
    return this.waitFor(
      "catch-up",
      () =>
        this.service.catchUpRequests.length >= count ? this.service.catchUpRequests : undefined,
      timeoutMs,
      `${count} catch-ups`,
    );
  }

  /** Resolves after `count` more heartbeat periods have elapsed (whether or not heartbeats are on). */
  waitForHeartbeatPeriods(count: number, timeoutMs = 10_000): Promise<number> {
    const target = this.service.ticks + count;
    return this.waitFor(
      "tick",
      () => (this.service.ticks >= target ? this.service.ticks : undefined),
      timeoutMs,
      `${count} heartbeat periods`,
    );
  }

  // ── faults ─────────────────────────────────────────────────────────────────────────────────

  /** Stops (or restarts) the heartbeat frames on every stream; the streams stay open. */
  setHeartbeats(on: boolean): void {
    this.service.setHeartbeats(on);
  }

  /** A zombie stream: open, but neither events nor heartbeats are written (events still reach catch-up). */
  freezeStreams(): void {
    this.service.setLiveDelivery(false);
  }

  thawStreams(): void {
    this.service.setLiveDelivery(true);
  }

  /** Ends every open stream with UNAVAILABLE, as a lost connection does. Returns how many. */
  dropStreams(): number {
    return this.service.dropStreams();
  }

  /** The next `count` `Subscribe*` calls end at once with UNAVAILABLE, as a server that is down. */
  refuseSubscriptions(count: number): void {
    this.service.refuseSubscriptions(count);
  }

  /** `Subscribe*` calls refused by `refuseSubscriptions` so far. */
  get refusedSubscriptions(): number {
    return this.service.refusals;
  }

  /** Resolves once `count` `Subscribe*` calls in all were refused. */
  waitForRefusals(count: number, timeoutMs = 10_000): Promise<number> {
    return this.waitFor(
      "refused",
      () => (this.service.refusals >= count ? this.service.refusals : undefined),
      timeoutMs,
      `${count} refused subscriptions`,
    );
  }

  /** The next `count` mutating calls get RESOURCE_EXHAUSTED (with `x-retryable: true` when `retryable`). */
  rateLimit(count: number, options: { retryable?: boolean } = {}): void {
    this.service.rateLimit(count, options.retryable ?? false);
  }

  /** The next `count` sends are delivered, but the client is told UNAVAILABLE. */
  failSendsAmbiguously(count = 1): void {
    this.service.failSendsAmbiguously(count);
  }

  /** Drops events up to `sequence` from the log: catch-up from before it fails (FAILED_PRECONDITION). */
  forgetEventsThrough(sequence: number): void {
    this.service.forgetThrough(sequence);
  }

  protected waitFor<T>(
    event: string,
    check: () => T | undefined,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    const ready = check();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise<T>((resolve, reject) => {
      const onEvent = (): void => {
        const value = check();
        if (value === undefined) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new SpectrumFakeTimeoutError(what, timeoutMs));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.service.off(event, onEvent);
      };
      this.service.on(event, onEvent);
    });
  }
}
