import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FakeControlPlane, type RecordedControlRequest } from "./control-plane.js";
import {
  FakeIMessageService,
  type LoggedEvent,
  type RecordedCall,
  type RejectedCall,
} from "./imessage-service.js";
import { buildInbound, type InboundSpec } from "./inbound-builders.js";
import { TEST_CA_CERT_PEM, TEST_SERVER_CERT_PEM, TEST_SERVER_KEY_PEM } from "./test-ca.js";

export interface SpectrumFakeOptions {
  /** Default: a random `proj_…` id. */
  projectId?: string;
  /** Default: 32 random bytes, hex. */
  projectSecret?: string;
  /** How often every open `Subscribe*` stream gets a heartbeat frame. Default 1 000 ms. */
  heartbeatIntervalMs?: number;
  /** `expiresIn` of issued tokens. Default 3 600 s. */
  tokenTtlSeconds?: number;
  /**
   * Serve the project as one dedicated line instead of the shared one: the token endpoint answers
   * `{ type: "dedicated", auth: { [instanceId]: token }, numbers: { [instanceId]: phone } }` and the
   * gRPC services are that line's (at `dedicatedLineAddress`, the same server).
   */
  dedicatedLine?: { instanceId: string; phone: string };
  now?: () => Date;
}

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
 * A local Spectrum that the unmodified `spectrum-ts` SDK can run against: the HTTPS control plane
 * (`SPECTRUM_CLOUD_URL`) and the iMessage gRPC services over TLS (`SPECTRUM_IMESSAGE_ADDRESS`),
 * both on 127.0.0.1 with the committed TEST-ONLY certificate. Tests push inbound messages, read
 * what was sent, and switch faults on: silence heartbeats, drop or freeze streams, forget old
 * events, rate-limit, fail sends ambiguously.
 */
export class SpectrumFake {
  readonly projectId: string;
  readonly projectSecret: string;
  /** The test CA the fake's certificate chains to: what a client must trust. */
  readonly caCertPem = TEST_CA_CERT_PEM;
  private readonly tokens = new Set<string>();
  private guidCounter = 0;

  private constructor(
    options: SpectrumFakeOptions,
    private readonly controlPlane: FakeControlPlane,
    private readonly service: FakeIMessageService,
    private readonly now: () => Date,
  ) {
    this.projectId = options.projectId ?? "";
    this.projectSecret = options.projectSecret ?? "";
  }

  static async start(options: SpectrumFakeOptions = {}): Promise<SpectrumFake> {
    const resolved: SpectrumFakeOptions = {
      ...options,
      projectId: options.projectId ?? `proj_${randomBytes(6).toString("hex")}`,
      projectSecret: options.projectSecret ?? randomBytes(32).toString("hex"),
    };
    const now = options.now ?? (() => new Date());
    // eslint-disable-next-line prefer-const -- the callbacks below are built before the fake exists
    let fake: SpectrumFake | undefined;
    const controlPlane = new FakeControlPlane({
      projectId: resolved.projectId ?? "",
      projectSecret: resolved.projectSecret ?? "",
      tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
      cert: TEST_SERVER_CERT_PEM,
      key: TEST_SERVER_KEY_PEM,
      issueToken: () => fake?.issueToken() ?? "",
      dedicatedLine: options.dedicatedLine,
    });
    const service = new FakeIMessageService({
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
      isTokenValid: (token) => fake?.tokens.has(token) === true,
      now,
      nextGuid: (prefix) => fake?.nextGuid(prefix) ?? prefix,
    });
    fake = new SpectrumFake(resolved, controlPlane, service, now);
    try {
      await controlPlane.listen();
      await service.listen(TEST_SERVER_CERT_PEM, TEST_SERVER_KEY_PEM);
    } catch (error) {
      await fake.close();
      throw error;
    }
    return fake;
  }

  /** `https://127.0.0.1:<port>`: give it to the SDK as `SPECTRUM_CLOUD_URL`. */
  get cloudUrl(): string {
    return this.controlPlane.url;
  }

  /** `127.0.0.1:<port>`: give it to the SDK as `SPECTRUM_IMESSAGE_ADDRESS`. */
  get imessageAddress(): string {
    return this.service.address;
  }

  /**
   * Where the dedicated line is served (`dedicatedLine`): give it to the channel as
   * `dedicatedLineAddress` (no `{instance}`: every line goes to this one server).
   */
  get dedicatedLineAddress(): string {
    return this.service.address;
  }

  /** Writes the test CA to `dir/spectrum-fake-ca.pem` and returns the path. */
  async writeCaFile(dir: string): Promise<string> {
    const path = join(dir, "spectrum-fake-ca.pem");
    await writeFile(path, TEST_CA_CERT_PEM, { mode: 0o644 });
    return path;
  }

  /**
   * The environment an SDK process needs to reach this fake. The SDK and grpc-js read these when
   * they load (and Node reads `NODE_EXTRA_CA_CERTS` at start), so they belong in a fresh process.
   * The proxy variables are blanked: grpc-js would otherwise tunnel 127.0.0.1 through them.
   */
  sdkEnvironment(caFile: string): Record<string, string> {
    return {
      SPECTRUM_CLOUD_URL: this.cloudUrl,
      SPECTRUM_IMESSAGE_ADDRESS: this.imessageAddress,
      GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: caFile,
      NODE_EXTRA_CA_CERTS: caFile,
      grpc_proxy: "",
      https_proxy: "",
      http_proxy: "",
      HTTPS_PROXY: "",
      HTTP_PROXY: "",
      no_grpc_proxy: "*",
    };
  }

  // ── inbound ────────────────────────────────────────────────────────────────────────────────

  /** Delivers one inbound event as if an iMessage user sent it; returns its sequence and GUIDs. */
  push(spec: InboundSpec): PushedInbound {
    const built = buildInbound(spec, this.now(), (prefix) => this.nextGuid(prefix));
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

  /** Control-plane requests (method, path, whether Basic auth matched, status). */
  get controlRequests(): readonly RecordedControlRequest[] {
    return this.controlPlane.requests;
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

  /** The next `count` control-plane requests get HTTP 429. */
  rateLimitControlPlane(count: number): void {
    this.controlPlane.rateLimit(count);
  }

  /** The next `count` sends are delivered, but the client is told UNAVAILABLE. */
  failSendsAmbiguously(count = 1): void {
    this.service.failSendsAmbiguously(count);
  }

  /** Drops events up to `sequence` from the log: catch-up from before it fails (FAILED_PRECONDITION). */
  forgetEventsThrough(sequence: number): void {
    this.service.forgetThrough(sequence);
  }

  /** Every token issued so far stops working (UNAUTHENTICATED), as after a server-side expiry. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.service.close(), this.controlPlane.close()]);
  }

  private issueToken(): string {
    const token = `fake_imsg_${randomBytes(16).toString("hex")}`;
    this.tokens.add(token);
    return token;
  }

  private nextGuid(prefix: string): string {
    this.guidCounter += 1;
    return `fake-${prefix}-${this.guidCounter.toString().padStart(6, "0")}`;
  }

  private waitFor<T>(
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
