import { type AllowedUsers, parseAllowedUsers } from "./allowed-users.js";
import { withDeadline } from "./deadline.js";
import { classifyPhotonError, errorName, PhotonSendError } from "./errors.js";
import { MediaCache, type MediaCacheOptions } from "./media-cache.js";
import {
  attachmentReaders,
  normalizeInbound,
  type IgnoredReason,
  type PhotonInboundEvent,
  type PhotonInboundMessage,
  type PhotonInboundReaction,
} from "./normalize.js";
import {
  EventWatch,
  type EventWatchStats,
  type RawImessageClient,
  type WatchedMessage,
} from "./event-watch.js";
import { InboundStateStore } from "./inbound-state.js";
import { markdownToPlainText, type PhotonMarkdownMode } from "./markdown-text.js";
import { isVoiceReady, type PhotonOutboundFile } from "./outbound-file.js";
import { ProjectLines, type ImessageLine, type LinesChange } from "./project-lines.js";
import { RecentMap } from "./recent.js";
import { ResumeTracker } from "./resume-tracker.js";
import {
  loadSpectrumSdk,
  SPECTRUM_TS_VERSION,
  type IMessageInstance,
  type SdkMessage,
  type SdkSpace,
  type SpectrumApp,
  type SpectrumSdk,
} from "./sdk.js";
import { SendQueue, type SendQueueOptions, type SendQueueStats } from "./send-queue.js";
import { IMESSAGE_MAX_MESSAGE_LENGTH, splitMessageText } from "./split-text.js";

/** The optional logger the channel accepts (console fits). It never receives secrets. */
export interface PhotonLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

export interface PhotonChannelOptions {
  projectId: string;
  /** Used only to start the SDK; never logged, never in an error. */
  projectSecret: string;
  /** E.164 numbers or iMessage emails (array, or PHOTON_ALLOWED_USERS' comma-separated string). Empty = nobody. */
  allowedUsers: string | readonly string[];
  /** Called, and awaited, for each allowed inbound message, in arrival order. Return quickly. */
  onMessage(message: PhotonInboundMessage): void | Promise<void>;
  /** Called for each allowed tapback. */
  onReaction?(reaction: PhotonInboundReaction): void | Promise<void>;
  logger?: PhotonLogger;
  /** Cap per outbound message before splitting. Default 8 000. */
  maxMessageLength?: number;
  /** Pacing and bounds of the project's send queue (Photon: 5 requests/s per project). */
  sendQueue?: SendQueueOptions;
  /**
   * In group chats, hand over only messages that address the agent (match one of
   * `groupMentionPatterns`, default `/\bhermes\b/i`). Default true; tapbacks are not gated.
   */
  groupsRequireMention?: boolean;
  groupMentionPatterns?: readonly RegExp[];
  /**
   * Where inbound attachment and voice bytes are saved for the agent (`media[].path`), with per-file
   * and total bounds. Without it nothing is downloaded (`notDownloaded: "no_cache"`).
   */
  mediaCache?: MediaCacheOptions;
  /**
   * Mark the chat read when a message has been handed over (`onMessage` returned). A host that
   * decides itself when a message is read calls `markRead()` instead. The SDK only marks a whole
   * chat read (`MarkChatRead`). Default false; a failure is logged at debug level, nothing else.
   */
  sendReadReceipts?: boolean;
  /**
   * `plain` (default): `sendText` and captions render markdown to readable plain text before the
   * length cap and splitting (iMessage shows no markdown); `raw`: sent as written.
   */
  markdown?: PhotonMarkdownMode;
  /** A typing indicator started within this long of the last one in the same chat is skipped. Default 5 000 ms. */
  typingCooldownMs?: number;
  /** How many recent message ids are remembered to drop redeliveries. Default 4 000, for 48 h. */
  dedupeSize?: number;
  /**
   * Where the handled message ids and the resume cursor are kept across restarts (one JSON file,
   * written atomically), e.g. `$HERMES_HOME/photon/<project id>`. Without it they live in memory only.
   */
  stateDir?: string;
  /**
   * fdatasync the inbound state on every save (default true): a handled id survives a power cut.
   * `false` keeps every save (appended before the next event is taken, so it survives `kill -9`) but
   * leaves it to the OS to flush: after a power cut the newest saves may be gone, and messages
   * after the older cursor are caught up and handed over again. Turn it off only when `onMessage`
   * itself makes each message durable and drops one it has already taken (a host's fsync'd turn
   * journal): then a message is made durable once, not twice.
   */
  syncState?: boolean;
  /**
   * The shared line's gRPC address for the watch beneath the SDK: give it the same value the SDK
   * reads from `SPECTRUM_IMESSAGE_ADDRESS`. Default `imessage.spectrum.photon.codes:443`.
   */
  imessageAddress?: string;
  /**
   * Where the project's dedicated lines are served, `{instance}` standing for a line's instance id.
   * Default `{instance}.imsg.photon.codes:443` (Photon's). On dedicated lines the SDK is given the
   * lines explicitly with this address (see README, "Dedicated lines").
   */
  dedicatedLineAddress?: string;
  /** The watch beneath the SDK: heartbeats, zombie detection, catch-up. See `PhotonWatchOptions`. */
  watch?: PhotonWatchOptions;
  /**
   * Where inbound comes from: `"stream"` (default: the SDK's message stream, with the watch) or
   * `"webhook"`: no stream at all; the host receives Photon's signed webhook deliveries and calls
   * `acceptWebhookMessage()`, and the message is fetched through the SDK (sends work as usual).
   */
  inbound?: "stream" | "webhook";
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How the SDK is loaded. Default: `import("spectrum-ts")`. */
  loadSdk?: () => Promise<SpectrumSdk>;
}

export interface PhotonWatchOptions {
  /** Default true. Off: no zombie detection and no catch-up across restarts (the SDK alone). */
  enabled?: boolean;
  /** No frame (event or heartbeat) for this long → the stream is torn down and resubscribed. Default 60 000 ms. */
  silenceTimeoutMs?: number;
  /**
   * A live message the watch saw but the SDK has not delivered after this long (while the channel
   * was idle) is fetched through the SDK and handed over, and the SDK is restarted. Default 15 000 ms.
   */
  deliveryGraceMs?: number;
  /** Resubscription backoff: first wait, doubled up to the maximum. Defaults 1 000 / 30 000 ms. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * How long a cursor move past events that were not handed over (our own sends, receipts) may
   * wait to be written, batched. Default 1 000 ms. A move past a message already handed over is
   * written at once.
   */
  cursorSaveDelayMs?: number;
  /**
   * How long after the SDK starts reading a stream (at start, after a restart of the SDK) the
   * watch opens its own subscription, or re-opens it. Default 1 000 ms; 0: at once. A server that
   * writes each event to its subscribers in the order they subscribed then writes the SDK's copy
   * first, so the reply is not queued behind the watch's copy (its decoding costs ~0.3 ms of the
   * event loop); against one that does not, the order changes nothing. Nothing is missed
   * meanwhile: the SDK's stream is open, and the watch catches up from its last sequence (at
   * start, from the saved cursor; a first start has none, as before the delay).
   */
  startDelayMs?: number;
}

export type PhotonChannelState = "stopped" | "starting" | "running" | "reconnecting" | "failed";

export interface PhotonChannelHealth {
  state: PhotonChannelState;
  inbound: number;
  denied: number;
  duplicates: number;
  /** Group messages dropped because they did not address the agent. */
  notAddressed: number;
  ignored: Partial<Record<IgnoredReason, number>>;
  handlerErrors: number;
  /** ISO time of the last event the SDK delivered, `null` before the first. */
  lastInboundAt: string | null;
  sendQueue: SendQueueStats;
  /** Messages handed over through the watch: caught up after a restart or a dead stream, or missed by the SDK. */
  recovered: number;
  /** Times the SDK was restarted because its streams were judged dead. */
  sdkRestarts: number;
  /** Catch-ups Photon refused (events no longer held): messages in that window may be lost. */
  gaps: number;
  /** The resume cursor of the first line: every event up to it was handled. */
  cursor: number | null;
  /** The first line's cursor as last written under `stateDir` (what a restart now would resume from); `null` without one. */
  savedCursor: number | null;
  /** Messages the watch saw that are not handled yet (all lines). */
  pendingInbound: number;
  /** The watch beneath the SDK on the first line; `null` when off (`watchUnavailable` says why). */
  watch: EventWatchStats | null;
  watchUnavailable: "disabled" | null;
  /** `shared`, or `dedicated` (each line with its own address, token, cursor and watch); `null` before start. */
  lineKind: "shared" | "dedicated" | null;
  /** Each line: its id (`shared` or the instance id), cursor, saved cursor and watch. */
  lines: PhotonLineHealth[];
}

export interface PhotonLineHealth {
  line: string;
  /**
   * `served`: Photon issues it (its watch runs); `removed`: Photon stopped issuing it while the
   * channel ran — its watch is stopped and its cursor kept, so it resumes if the line comes back.
   */
  status: "served" | "removed";
  cursor: number | null;
  savedCursor: number | null;
  watch: EventWatchStats | null;
}

/** Something an SDK app made (a space, a message), with that app's epoch. */
interface FromApp<T> {
  value: T;
  epoch: number;
}

/** One line's watch beneath the SDK and what it saw that is not handled yet. */
interface LineWatch {
  /** Replaced when Photon renumbers the line (the id, and so the address, stay). */
  line: ImessageLine;
  readonly watch: EventWatch;
  readonly tracker: ResumeTracker;
  /** The watch's last report was a message already handed over: its sequence is saved at once. */
  reportedHandled: boolean;
}

export class PhotonChannelStateError extends Error {
  readonly code = "PHOTON_CHANNEL_STATE";
  constructor(message: string) {
    super(message);
    this.name = "PhotonChannelStateError";
  }
}

/** The SDK refused to build an attachment before anything was sent (nothing to resend). */
export class PhotonAttachmentError extends Error {
  readonly code = "PHOTON_ATTACHMENT_INVALID";
  constructor(cause: unknown) {
    super(
      `the attachment could not be prepared for sending (${errorName(cause)}); nothing was sent`,
      {
        cause,
      },
    );
    this.name = "PhotonAttachmentError";
  }
}

/** spectrum-ts could not be loaded (not installed, or a broken install). */
export class PhotonSdkLoadError extends Error {
  readonly code = "PHOTON_SDK_UNAVAILABLE";
  constructor(cause: unknown) {
    super(
      `The spectrum-ts SDK could not be loaded; reinstall @hermes/photon-channel (it depends on spectrum-ts ${SPECTRUM_TS_VERSION}).`,
      { cause },
    );
    this.name = "PhotonSdkLoadError";
  }
}

const DEDUPE_WINDOW_MS = 48 * 3600 * 1000;
const RECENT_MESSAGES = 1000;
const RESUBSCRIBE_INITIAL_MS = 1000;
const RESUBSCRIBE_MAX_MS = 30_000;
const DEFAULT_TYPING_COOLDOWN_MS = 5000;
const DEFAULT_SILENCE_TIMEOUT_MS = 60_000;
const DEFAULT_DELIVERY_GRACE_MS = 15_000;
const DEFAULT_WATCH_START_DELAY_MS = 1000;
const SDK_RESTART_MAX_MS = 60_000;
/** How long a cursor move with nothing handed over may wait to be written. */
const CURSOR_SAVE_DELAY_MS = 1000;
/** Bound on a fetch through the SDK (and on stopping an old app) while recovering. */
const FETCH_DEADLINE_MS = 20_000;
const DEFAULT_MENTION_PATTERNS: readonly RegExp[] = [/\bhermes\b/i];
/** A refused token re-issues the tokens at most this often (the watch retries more often than that). */
const TOKEN_REFUSED_MIN_MS = 30_000;
/** The SDK's `space.phone` on the shared line (not a number). */
const SHARED_PHONE = "shared";

/**
 * iMessage through Photon on the spectrum-ts SDK, in-process. Inbound: normalized, default-deny
 * by sender, deduplicated by message id, handed to `onMessage` / `onReaction`. Outbound: text split
 * to the iMessage cap, tapbacks and typing, all through one paced send queue that waits out rate
 * limits and never resends an ambiguous call.
 */
export class PhotonChannel {
  readonly #allowed: AllowedUsers;
  readonly #queue: SendQueue;
  readonly #seen: RecentMap<true>;
  /** Spaces and messages talk through the SDK app that made them: each is kept with its app's epoch. */
  readonly #spaces: RecentMap<FromApp<SdkSpace>>;
  readonly #messages: RecentMap<FromApp<SdkMessage>>;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  #sdk: SpectrumSdk | undefined;
  #app: SpectrumApp | undefined;
  #instance: IMessageInstance | undefined;
  #consuming: Promise<void> | undefined;
  #currentState: PhotonChannelState = "stopped";
  /** Set by stop(): the send queue is shut for good, so the channel cannot start again. */
  #closed = false;
  readonly #counters = {
    inbound: 0,
    denied: 0,
    duplicates: 0,
    notAddressed: 0,
    handlerErrors: 0,
  };
  readonly #typingStartedAt: RecentMap<true>;
  readonly #mediaCache: MediaCache | undefined;
  readonly #ignoredCounts: Partial<Record<IgnoredReason, number>> = {};
  #lastInboundAt: number | null = null;
  /** Ids being handed over right now (not yet handled): a concurrent duplicate is dropped. */
  readonly #inProgress = new Set<string>();
  #store: InboundStateStore | null = null;
  #lines: ProjectLines | null = null;
  #lineWatches: LineWatch[] = [];
  /** Watches of lines Photon stopped issuing, by line id: stopped, their cursor kept for a comeback. */
  readonly #removedLines = new Map<string, LineWatch>();
  /** `ProjectLines.generation` the running SDK app was built for: a newer one means a restart. */
  #appGeneration = 0;
  /**
   * The line (its id) each chat last wrote in on: a chat is answered on that line, under the
   * number the line has now. Saved with the inbound state (a restart's unfinished turns reply too).
   */
  readonly #chatLines: RecentMap<string>;
  #renewRetryMs = RESUBSCRIBE_INITIAL_MS;
  #tokenRefusedAt = Number.NEGATIVE_INFINITY;
  /** Counts SDK apps: a space or message of an earlier app is not used once it is replaced. */
  #appEpoch = 0;
  #renewTimer: NodeJS.Timeout | undefined;
  #watchUnavailable: PhotonChannelHealth["watchUnavailable"] = null;
  #graceTimer: NodeJS.Timeout | undefined;
  /** Re-opens the watches' subscriptions after the SDK opened new streams (see `startDelayMs`). */
  #reorderTimer: NodeJS.Timeout | undefined;
  #cursorTimer: NodeJS.Timeout | undefined;
  /** Every hand-over (SDK or watch) runs in this chain: one at a time, in order. */
  #deliveries: Promise<void> = Promise.resolve();
  #delivering = 0;
  #restarting: Promise<void> | null = null;
  #restartBackoff = RESUBSCRIBE_INITIAL_MS;
  #lastRestartAt = 0;
  /** The last SDK restart failed: the next one backs off even when planned. */
  #restartFailed = false;
  readonly #extra = { recovered: 0, sdkRestarts: 0, gaps: 0 };
  /** Set by stopInbound(): nothing more is handed over (or marked handled); sends still work. */
  #inboundStopped = false;

  readonly #options: PhotonChannelOptions;

  constructor(options: PhotonChannelOptions) {
    this.#options = options;
    if (!options.projectId || !options.projectSecret) {
      throw new PhotonChannelStateError(
        "A Photon project id and secret are required (run `hermes photon setup`).",
      );
    }
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#allowed = parseAllowedUsers(options.allowedUsers);
    this.#queue = new SendQueue({ now: this.#now, sleep: this.#sleep, ...options.sendQueue });
    this.#seen = new RecentMap(options.dedupeSize ?? 4000, DEDUPE_WINDOW_MS, this.#now);
    this.#spaces = new RecentMap(RECENT_MESSAGES, DEDUPE_WINDOW_MS, this.#now);
    this.#messages = new RecentMap(RECENT_MESSAGES, DEDUPE_WINDOW_MS, this.#now);
    this.#chatLines = new RecentMap(RECENT_MESSAGES, DEDUPE_WINDOW_MS, this.#now);
    this.#mediaCache = options.mediaCache ? new MediaCache(options.mediaCache) : undefined;
    this.#typingStartedAt = new RecentMap(
      RECENT_MESSAGES,
      options.typingCooldownMs ?? DEFAULT_TYPING_COOLDOWN_MS,
      this.#now,
    );
    for (const rejected of this.#allowed.rejected) {
      this.#log(
        "warn",
        `photon: ignoring allowed-users entry ${JSON.stringify(rejected.entry)}: not an E.164 number or an email`,
      );
    }
    if (this.#allowed.size === 0)
      this.#log(
        "warn",
        "photon: no allowed users configured; every inbound message will be denied",
      );
  }

  get state(): PhotonChannelState {
    return this.#currentState;
  }

  get health(): PhotonChannelHealth {
    const lines = this.#lineHealth();
    return {
      state: this.#currentState,
      ...this.#counters,
      ignored: { ...this.#ignoredCounts },
      lastInboundAt:
        this.#lastInboundAt === null ? null : new Date(this.#lastInboundAt).toISOString(),
      sendQueue: this.#queue.stats,
      ...this.#extra,
      cursor: lines[0]?.cursor ?? null,
      savedCursor: lines[0]?.savedCursor ?? null,
      pendingInbound: this.#lineWatches.reduce((sum, w) => sum + w.tracker.size, 0),
      watch: lines[0]?.watch ?? null,
      watchUnavailable: this.#watchUnavailable,
      lineKind: this.#lines?.kind ?? null,
      lines,
    };
  }

  #lineHealth(): PhotonLineHealth[] {
    const store = this.#store;
    const health = (
      id: string,
      status: PhotonLineHealth["status"],
      watched: LineWatch | undefined,
    ): PhotonLineHealth => ({
      line: id,
      status,
      cursor: store ? store.cursorOf(id) : (watched?.tracker.cursor ?? null),
      savedCursor: store?.savedCursorOf(id) ?? null,
      watch: watched?.watch.stats ?? null,
    });
    return [
      ...(this.#lines?.lines ?? []).map((line) =>
        health(
          line.id,
          "served",
          this.#lineWatches.find((w) => w.line.id === line.id),
        ),
      ),
      ...[...this.#removedLines].map(([id, watched]) => health(id, "removed", watched)),
    ];
  }

  /** Loads the SDK, connects (token, streams) and starts delivering inbound events. */
  async start(): Promise<void> {
    if (this.#closed)
      throw new PhotonChannelStateError(
        "This Photon channel was stopped; create a new one to connect again.",
      );
    if (this.#currentState !== "stopped" && this.#currentState !== "failed")
      throw new PhotonChannelStateError(`start() called while ${this.#currentState}`);
    this.#currentState = "starting";
    let sdk: SpectrumSdk;
    try {
      sdk = await (this.#options.loadSdk ?? loadSpectrumSdk)();
    } catch (error) {
      this.#currentState = "failed";
      throw new PhotonSdkLoadError(error);
    }
    if (this.#options.stateDir !== undefined && this.#store === null) {
      const opened = await InboundStateStore.open({
        dir: this.#options.stateDir,
        handled: this.#seen,
        chatLines: this.#chatLines,
        now: this.#now,
        sync: this.#options.syncState ?? true,
      });
      if (opened.problem)
        this.#log(
          "warn",
          `photon: the saved inbound state could not be used (${opened.problem}); starting without it`,
        );
      this.#store = opened.store;
    }
    try {
      this.#lines ??= await ProjectLines.open({
        issue: () =>
          sdk.cloud.issueImessageTokens(this.#options.projectId, this.#options.projectSecret),
        now: this.#now,
        sharedAddress: this.#options.imessageAddress,
        dedicatedAddress: this.#options.dedicatedLineAddress,
        onChange: (change) => this.#linesChanged(change),
      });
      const app = await this.#createApp(sdk);
      this.#sdk = sdk;
      this.#app = app;
      this.#instance = sdk.imessage(app);
      this.#appEpoch += 1;
    } catch (error) {
      this.#currentState = "failed";
      throw new PhotonSendError(classifyPhotonError(error, false), "connecting to Photon", error);
    }
    this.#currentState = "running";
    if (this.#options.inbound === "webhook") {
      this.#watchUnavailable = "disabled";
      return;
    }
    this.#consuming = this.#consume();
    await this.#startWatch(sdk);
  }

  /**
   * Webhook mode: a message Photon announced in a verified delivery (the host verifies the
   * signature and answers Photon). It is fetched through the SDK, normalized like a streamed one
   * and handed over once (ids already handed over are dropped, across restarts with `stateDir`).
   */
  acceptWebhookMessage(ref: {
    messageId: string;
    chatId: string;
    /** The line's number, as the delivery's `space.phone` gives it (several lines: fetched there). */
    phone?: string | undefined;
  }): Promise<void> {
    if (this.#isStopped() || this.#inboundStopped) return Promise.resolve();
    if (this.#seen.has(ref.messageId) || this.#inProgress.has(ref.messageId)) {
      this.#counters.duplicates += 1;
      return Promise.resolve();
    }
    return this.#serially(async () => {
      await this.#recover(ref.chatId, ref.messageId, false, ...this.#webhookLines(ref));
    });
  }

  async #createApp(sdk: SpectrumSdk): Promise<SpectrumApp> {
    // spectrum-ts installs its own SIGINT/SIGTERM listeners that stop it and exit the process
    // (0, or 1 after 3 s). In a host that drains on SIGTERM that would cut the drain short, so
    // the channel takes them off again: the host owns the signals and calls stop().
    const lines = this.#lines;
    // Dedicated lines are handed to the SDK explicitly (their addresses would otherwise be
    // hard-wired); those tokens are static, so the SDK is restarted with fresh ones before they expire.
    // Scheduled first: if renewing fails now, the timer (due at once, after the restart backoff)
    // tries again rather than leaving the SDK on tokens that expire.
    if (lines) this.#scheduleTokenRenewal(lines);
    const provider =
      lines?.kind === "dedicated"
        ? sdk.imessage.config({ clients: await lines.sdkClients() })
        : sdk.imessage.config();
    // The lines this app serves: a change after this point restarts it (see #linesChanged). Set
    // once the app exists: an app that failed to start serves nothing, so a restart still follows.
    const generation = lines?.generation ?? 0;
    const before = new Set([...process.listeners("SIGINT"), ...process.listeners("SIGTERM")]);
    try {
      const app = await sdk.Spectrum({
        projectId: this.#options.projectId,
        projectSecret: this.#options.projectSecret,
        providers: [provider],
        telemetry: false,
        // The SDK's own console logger would write its lines to stdout, outside the host's
        // logger (a gateway with GATEWAY_LOG_FORMAT=json must print JSON lines only): the
        // channel reports what matters (stream state, failures) through its own logger.
        options: { flattenGroups: false, logLevel: "silent" },
      });
      this.#appGeneration = generation;
      return app;
    } finally {
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        for (const listener of process.listeners(signal))
          if (!before.has(listener)) process.off(signal, listener);
      }
    }
  }

  /**
   * When the tokens are due: on dedicated lines the SDK is restarted with fresh ones (it holds them
   * statically); on the shared line (the SDK renews its own) they are re-issued for the watch. Either
   * way the new issue is compared with the last, so lines added or taken away are followed.
   */
  #scheduleTokenRenewal(lines: ProjectLines, delayMs = lines.renewAt - this.#now()): void {
    clearTimeout(this.#renewTimer);
    const renew = (): void => {
      if (lines.kind === "dedicated") {
        void this.#restartSdk("renewing the dedicated lines' tokens", true);
        return;
      }
      void lines.renew().then(
        () => {
          this.#renewRetryMs = RESUBSCRIBE_INITIAL_MS;
          if (!this.#isStopped()) this.#scheduleTokenRenewal(lines);
        },
        (error: unknown) => {
          this.#log("warn", `photon: could not renew the iMessage tokens (${errorName(error)})`);
          this.#renewRetryMs = Math.min(this.#renewRetryMs * 2, SDK_RESTART_MAX_MS);
          if (!this.#isStopped()) this.#scheduleTokenRenewal(lines, this.#renewRetryMs);
        },
      );
    };
    this.#renewTimer = setTimeout(renew, Math.max(1000, delayMs));
    // The SDK's connections keep the process alive, not this timer.
    this.#renewTimer.unref();
  }

  /**
   * Photon issued a different set of lines: a line taken away has its watch stopped (its cursor
   * kept), a line added gets one (from its saved cursor, if the state file has one), and the SDK
   * is restarted with the full list.
   */
  #linesChanged(change: LinesChange): void {
    if (this.#isStopped()) return;
    const lines = this.#lines;
    if (change.kindChanged)
      this.#log("warn", `photon: the project now has ${lines?.kind ?? "no"} iMessage lines`);
    for (const line of change.removed) {
      this.#log(
        "warn",
        `photon: Photon no longer issues the line ${line.id}; its watch is stopped (its cursor is kept)`,
      );
      const index = this.#lineWatches.findIndex((w) => w.line.id === line.id);
      const retired = this.#lineWatches[index];
      if (!retired) continue;
      this.#lineWatches.splice(index, 1);
      this.#removedLines.set(line.id, retired);
      const cursor = retired.tracker.cursor;
      if (cursor !== null) this.#store?.advanceCursor(cursor, line.id);
      void retired.watch.stop().then(() => this.#saveCursor());
    }
    for (const line of change.changed) {
      this.#log("info", `photon: the line ${line.id} has a new number`);
      const watched = this.#lineWatches.find((w) => w.line.id === line.id);
      if (watched) watched.line = line;
    }
    for (const line of change.added) {
      this.#log("info", `photon: Photon issues a new line ${line.id}; serving it`);
      const earlier = this.#removedLines.get(line.id);
      this.#removedLines.delete(line.id);
      if (this.#sdk && this.#watchesOn())
        this.#startLineWatch(this.#sdk, line, earlier?.tracker.cursor ?? null);
    }
    if (lines && lines.generation !== this.#appGeneration)
      void this.#restartSdk("the project's iMessage lines changed", true);
  }

  /**
   * A line refused its token (revoked, or the line taken off the project): tokens are issued again
   * now rather than at the next renewal — on dedicated lines by restarting the SDK, which holds
   * them too — and a line no longer listed is dropped then. At most once per `TOKEN_REFUSED_MIN_MS`.
   */
  #tokenRefused(): void {
    const lines = this.#lines;
    if (!lines || this.#isStopped() || this.#now() - this.#tokenRefusedAt < TOKEN_REFUSED_MIN_MS)
      return;
    this.#tokenRefusedAt = this.#now();
    if (lines.kind === "dedicated") {
      void this.#restartSdk("a line refused its token", true);
      return;
    }
    void lines
      .renew()
      .catch((error: unknown) =>
        this.#log("warn", `photon: could not renew the iMessage tokens (${errorName(error)})`),
      );
  }

  /** Whether this channel runs watches beneath the SDK (stream inbound with the watch on). */
  #watchesOn(): boolean {
    return this.#options.inbound !== "webhook" && this.#options.watch?.enabled !== false;
  }

  /** Starts one watch beneath the SDK per line: heartbeats, zombie detection, catch-up. */
  async #startWatch(sdk: SpectrumSdk): Promise<void> {
    const options = this.#options.watch ?? {};
    if (!this.#watchesOn()) {
      this.#watchUnavailable = "disabled";
      return;
    }
    const graceMs = options.deliveryGraceMs ?? DEFAULT_DELIVERY_GRACE_MS;
    for (const line of this.#lines?.lines ?? []) this.#startLineWatch(sdk, line, null);
    this.#graceTimer = setInterval(
      () => this.#deliverOverdue(graceMs),
      Math.max(10, Math.floor(graceMs / 2)),
    );
    this.#graceTimer.unref();
  }

  /** One line's watch, from its saved cursor (else `fallbackCursor`: live, like a first start). */
  #startLineWatch(sdk: SpectrumSdk, line: ImessageLine, fallbackCursor: number | null): void {
    const options = this.#options.watch ?? {};
    const cursor = this.#store?.cursorOf(line.id) ?? fallbackCursor;
    const tracker = new ResumeTracker(cursor);
    const watch: EventWatch = new EventWatch({
      createClient: async (onHeartbeat) => this.#createRawClient(sdk, line, onHeartbeat),
      silenceTimeoutMs: options.silenceTimeoutMs ?? DEFAULT_SILENCE_TIMEOUT_MS,
      initialBackoffMs: options.initialBackoffMs ?? RESUBSCRIBE_INITIAL_MS,
      maxBackoffMs: options.maxBackoffMs ?? RESUBSCRIBE_MAX_MS,
      now: this.#now,
      onMessage: (message, catchUp) => this.#watched(lineWatch, message, catchUp),
      onSequence: (sequence) => {
        tracker.saw(sequence);
        if (lineWatch.reportedHandled) {
          lineWatch.reportedHandled = false;
          this.#saveCursorNow();
        } else this.#saveCursorSoon(options.cursorSaveDelayMs ?? CURSOR_SAVE_DELAY_MS);
      },
      onSilent: () => void this.#restartSdk("the event stream went silent"),
      onFailure: (error) => {
        if (error instanceof Error && error.name === "AuthenticationError") this.#tokenRefused();
      },
      onGap: () => {
        this.#extra.gaps += 1;
        tracker.reset();
        this.#store?.resetCursor(line.id);
        void this.#store?.save().catch((error: unknown) => this.#saveFailed(error));
      },
      log: (level, message) =>
        this.#log(level, line.kind === "shared" ? message : `${message} (line ${line.id})`),
    });
    const lineWatch: LineWatch = { line, watch, tracker, reportedHandled: false };
    this.#lineWatches.push(lineWatch);
    watch.start(cursor, this.#watchStartDelayMs());
  }

  #watchStartDelayMs(): number {
    return Math.max(0, this.#options.watch?.startDelayMs ?? DEFAULT_WATCH_START_DELAY_MS);
  }

  /** The SDK opens new streams: the watches re-open theirs after them (see `startDelayMs`). */
  #reorderWatchesSoon(): void {
    if (!this.#watchesOn()) return;
    clearTimeout(this.#reorderTimer);
    this.#reorderTimer = setTimeout(() => {
      if (this.#isStopped() || this.#inboundStopped) return;
      for (const { watch } of this.#lineWatches) watch.resubscribe();
    }, this.#watchStartDelayMs());
    this.#reorderTimer.unref();
  }

  #createRawClient(
    sdk: SpectrumSdk,
    line: ImessageLine,
    onHeartbeat: () => void,
  ): RawImessageClient {
    const lines = this.#lines;
    if (!lines) throw new PhotonChannelStateError("The Photon channel is not running.");
    return sdk.createGrpcClient({
      address: line.address,
      token: () => lines.token(line.id),
      tls: true,
      retry: false,
      onHeartbeat,
    });
  }

  #watched(lineWatch: LineWatch, message: WatchedMessage, catchUp: boolean): void {
    if (this.#seen.has(message.messageGuid)) {
      // The SDK's copy came first (the two streams race) and its hand-over's save went out
      // without this sequence: until the cursor is written, a restart would catch up from an older
      // one — or, on a fresh install, from none, losing what arrives while down.
      if (!catchUp) lineWatch.reportedHandled = true;
      return;
    }
    // One being handed over right now stays pending as well (its hand-over settles it): the cursor
    // must not pass a message before it is marked handled, or a crash in between loses it.
    lineWatch.tracker.add(message, catchUp, this.#now());
    if (catchUp) this.#deliverOverdue(Number.POSITIVE_INFINITY);
  }

  /**
   * Hands over, through the SDK's `getMessage`, what the watch saw and the SDK did not deliver:
   * caught-up messages at once, live ones after the grace period (counted only while the channel
   * is idle, so a slow handler is not mistaken for a dead stream). A live one that had to be
   * recovered means the SDK's stream is stuck: the SDK is restarted.
   */
  #deliverOverdue(graceMs: number): void {
    if (this.#isStopped() || this.#inboundStopped) return;
    const idle = this.#delivering === 0;
    for (const { line, tracker } of this.#lineWatches) {
      for (const pending of tracker.due(this.#now(), graceMs)) {
        if (!pending.catchUp && !idle) continue;
        // Being handed over: its hand-over settles it.
        if (this.#inProgress.has(pending.messageGuid)) continue;
        tracker.settle(pending.messageGuid);
        if (!pending.catchUp)
          void this.#restartSdk("a message arrived that the SDK did not deliver");
        void this.#serially(async () => {
          // Not fetched (yet): pending again, so the cursor stays below it and it is tried again.
          if (!(await this.#recover(pending.chatGuid, pending.messageGuid, true, line)))
            tracker.add(pending, false, this.#now());
        });
      }
    }
  }

  /**
   * The lines to fetch a webhook's message from, in order. One line (or none known): the SDK's
   * choice. Several: the SDK must be told which, and a delivery need not say it — the one whose
   * number the delivery names, else the chat's known line first and then the others.
   */
  #webhookLines(ref: {
    chatId: string;
    phone?: string | undefined;
  }): Array<ImessageLine | undefined> {
    const served = this.#numberedLines();
    if (served.length < 2) return [undefined];
    const named = served.find((l) => ref.phone !== undefined && l.phone === ref.phone);
    if (named !== undefined) return [named];
    const known = this.#chatLines.get(ref.chatId);
    return [...served.filter((l) => l.id === known), ...served.filter((l) => l.id !== known)];
  }

  /**
   * Fetches a message through the SDK and hands it over; false when it could not be fetched.
   * `lines`: where to look, in order (the first that has it wins); none given: the SDK's choice.
   */
  async #recover(
    chatGuid: string,
    messageGuid: string,
    recovered: boolean,
    ...lines: Array<ImessageLine | undefined>
  ): Promise<boolean> {
    if (this.#seen.has(messageGuid) || this.#inProgress.has(messageGuid) || this.#isStopped())
      return true;
    const epoch = this.#appEpoch;
    let failure: unknown = null;
    for (const line of lines.length === 0 ? [undefined] : lines) {
      let space: SdkSpace;
      let message: SdkMessage | undefined;
      try {
        const instance = this.#requireInstance();
        // Bounded: a call on a dead connection must not hold up every later hand-over.
        space = await withDeadline(
          line?.phone
            ? instance.space.get(chatGuid, { phone: line.phone })
            : instance.space.get(chatGuid),
          FETCH_DEADLINE_MS,
          "resolving a chat",
        );
        message = await withDeadline(
          instance.getMessage(space, messageGuid),
          FETCH_DEADLINE_MS,
          "fetching a message",
        );
      } catch (error) {
        // Not on this line (or it failed there): the next one may have it.
        failure ??= error;
        continue;
      }
      if (!message) continue;
      if (recovered) this.#extra.recovered += 1;
      await this.#deliver(space, message, recovered, epoch);
      return true;
    }
    if (failure === null) return true;
    this.#log(
      "warn",
      `photon: could not fetch a message (${errorName(failure)}${lines.length > 1 ? `, tried ${lines.length} lines` : ""}); ${recovered ? "it is tried again" : "the webhook delivery was already acknowledged: it is not answered"}`,
    );
    return false;
  }

  /**
   * Stops the current SDK app and starts a new one (fresh tokens, fresh streams), with backoff.
   * `planned`: a token renewal or a change of lines, not a failure: it neither waits for nor grows
   * the backoff, unless the restart before it failed.
   */
  #restartSdk(reason: string, planned = false): Promise<void> {
    if (this.#restarting || this.#isStopped() || this.#inboundStopped || !this.#sdk)
      return this.#restarting ?? Promise.resolve();
    const sdk = this.#sdk;
    const backingOff = !planned || this.#restartFailed;
    this.#restarting = (async () => {
      const wait = this.#lastRestartAt + this.#restartBackoff - this.#now();
      if (backingOff && wait > 0) await this.#sleep(wait);
      if (this.#isStopped()) return;
      if (backingOff) this.#restartBackoff = Math.min(this.#restartBackoff * 2, SDK_RESTART_MAX_MS);
      this.#lastRestartAt = this.#now();
      this.#log(planned ? "info" : "warn", `photon: restarting the SDK: ${reason}`);
      // Fresh tokens for every restart, and with them the current list of lines (#linesChanged).
      await this.#lines
        ?.renew()
        .catch((error: unknown) =>
          this.#log(
            "warn",
            `photon: could not renew the iMessage tokens (${errorName(error)}); restarting with the ones in hand`,
          ),
        );
      if (this.#isStopped()) return;
      let next: SpectrumApp;
      try {
        next = await this.#createApp(sdk);
      } catch (error) {
        this.#restartFailed = true;
        this.#log(
          "warn",
          `photon: the SDK could not be restarted (${errorName(error)}); retrying on the next failure`,
        );
        return;
      }
      this.#restartFailed = false;
      if (this.#isStopped()) {
        await next.stop().catch(() => undefined);
        return;
      }
      const old = this.#app;
      this.#app = next;
      this.#instance = sdk.imessage(next);
      // Spaces and messages of the old app talk through its clients, closed below.
      this.#appEpoch += 1;
      this.#spaces.clear();
      this.#messages.clear();
      this.#extra.sdkRestarts += 1;
      // Calls queued before the swap hold the old app's spaces: they finish on it (bounded)
      // before it stops, rather than fail on a closed client (a send would count as ambiguous).
      await withDeadline(this.#queue.settled(), FETCH_DEADLINE_MS, "finishing queued calls").catch(
        () => undefined,
      );
      if (old)
        await withDeadline(old.stop(), FETCH_DEADLINE_MS, "stopping the old SDK app").catch(
          (error: unknown) => this.#log("warn", `photon: SDK stop failed: ${errorName(error)}`),
        );
    })().finally(() => {
      this.#restarting = null;
      // The lines changed while this restart was under way, after its app was built.
      const lines = this.#lines;
      if (lines && lines.generation !== this.#appGeneration && !this.#isStopped())
        void this.#restartSdk("the project's iMessage lines changed", true);
    });
    return this.#restarting;
  }

  #serially(task: () => Promise<void>): Promise<void> {
    const run = this.#deliveries.then(task, task);
    this.#deliveries = run.catch(() => undefined);
    return run;
  }

  /**
   * The cursor moved past an event that was not handed over (our own sends, receipts): nothing is
   * lost if this write comes a little later (a restart replays those events and ignores them), so
   * it is batched rather than paid per event; a hand-over's save takes it along.
   */
  #saveCursorSoon(delayMs: number): void {
    if (!this.#store || this.#cursorTimer !== undefined) return;
    this.#cursorTimer = setTimeout(() => this.#saveCursorNow(), delayMs);
    this.#cursorTimer.unref();
  }

  /** Writes the cursor now (and drops a batched write still waiting: this one covers it). */
  #saveCursorNow(): void {
    clearTimeout(this.#cursorTimer);
    this.#cursorTimer = undefined;
    void this.#saveCursor();
  }

  async #saveCursor(): Promise<void> {
    const store = this.#store;
    if (!store) return;
    for (const { line, tracker } of this.#lineWatches) {
      const cursor = tracker.cursor;
      if (cursor !== null) store.advanceCursor(cursor, line.id);
    }
    await store.save().catch((error: unknown) => this.#saveFailed(error));
  }

  #saveFailed(error: unknown): void {
    this.#log(
      "error",
      `photon: could not save the inbound state (${errorName(error)}); a restart may answer a message again`,
    );
  }

  /**
   * Stops handing over inbound messages while sends keep working (a gateway drains its running
   * turns after this). Messages arriving from now on are not marked handled and stay after the
   * saved cursor: the next start catches up on them.
   */
  async stopInbound(): Promise<void> {
    this.#inboundStopped = true;
    clearInterval(this.#graceTimer);
    clearTimeout(this.#reorderTimer);
    await Promise.all(this.#lineWatches.map(({ watch }) => watch.stop()));
    await this.#deliveries;
    await this.#saveCursor();
  }

  /** Stops inbound, rejects queued sends with `SendQueueStoppedError`, and closes the SDK. Final: a stopped channel does not start again. */
  async stop(): Promise<void> {
    this.#closed = true;
    this.#queue.stop();
    if (this.#currentState === "stopped") return;
    this.#currentState = "stopped";
    clearInterval(this.#graceTimer);
    clearTimeout(this.#reorderTimer);
    clearTimeout(this.#renewTimer);
    await Promise.all(this.#lineWatches.map(({ watch }) => watch.stop()));
    await this.#restarting;
    const app = this.#app;
    this.#app = undefined;
    await app
      ?.stop()
      .catch((error: unknown) => this.#log("warn", `photon: SDK stop failed: ${errorName(error)}`));
    await this.#consuming;
    await this.#deliveries;
    clearTimeout(this.#cursorTimer);
    await this.#saveCursor();
    await this.#store?.close().catch((error: unknown) => this.#saveFailed(error));
  }

  /**
   * Sends `text` to a chat, split to the iMessage cap; the parts go out in order. Stops at the
   * first part that fails and rejects with its `PhotonSendError` (`.sentParts` says how many went out).
   */
  async sendText(chatId: string, text: string): Promise<{ parts: number }> {
    await this.#space(chatId);
    const sdk = this.#requireSdk();
    const parts = splitMessageText(
      this.#options.markdown === "raw" ? text : markdownToPlainText(text),
      this.#options.maxMessageLength ?? IMESSAGE_MAX_MESSAGE_LENGTH,
    );
    let sent = 0;
    for (const part of parts) {
      try {
        // Resolved for each part: an SDK restart between two parts replaces the space.
        const space = await this.#space(chatId);
        await this.#queue.enqueue("sending a message", () => space.send(sdk.text(part)));
      } catch (error) {
        if (error instanceof PhotonSendError) Object.assign(error, { sentParts: sent });
        throw error;
      }
      sent += 1;
    }
    return { parts: sent };
  }

  /**
   * Sends a file (read with `readOutboundFile`: bounded, already in memory) as an iMessage
   * attachment — `UploadAttachment` then `SendAttachmentMessage` through the SDK — and then its
   * caption, if any, as text (like `sendText`). `kind: "voice"` with m4a/aac audio goes out as a
   * voice message (`is_audio_message`); any other voice file as an ordinary attachment, since
   * converting it would need ffmpeg. Paced and classified like every send: an ambiguous failure
   * rejects with `PhotonSendError` code `ambiguous` and neither the file nor its caption is resent.
   */
  async sendFile(
    chatId: string,
    file: PhotonOutboundFile,
    options: {
      kind?: string | undefined;
      mimeType?: string | undefined;
      caption?: string | undefined;
    } = {},
  ): Promise<{ sentAs: "voice" | "attachment"; parts: number }> {
    const space = await this.#space(chatId);
    const sdk = this.#requireSdk();
    const sentAs = options.kind === "voice" && isVoiceReady(file) ? "voice" : "attachment";
    let content: unknown;
    try {
      // Built here, before the queue: a refusal by the SDK's own validation is then told apart
      // from a failure on the wire (which, for a send, may be ambiguous).
      content =
        sentAs === "voice"
          ? await sdk
              .voice(file.bytes, {
                name: file.fileName,
                mimeType: file.fileName.toLowerCase().endsWith(".aac") ? "audio/aac" : "audio/mp4",
              })
              .build()
          : await sdk
              .attachment(file.bytes, {
                name: file.fileName,
                mimeType: options.mimeType ?? "application/octet-stream",
              })
              .build();
    } catch (error) {
      throw new PhotonAttachmentError(error);
    }
    const built = { build: async () => content };
    await this.#queue.enqueue(
      sentAs === "voice" ? "sending a voice message" : "sending an attachment",
      () => space.send(built),
    );
    const caption = options.caption ?? "";
    if (caption.trim() === "") return { sentAs, parts: 1 };
    try {
      const { parts } = await this.sendText(chatId, caption);
      return { sentAs, parts: 1 + parts };
    } catch (error) {
      if (error instanceof PhotonSendError)
        Object.assign(error, { sentParts: 1 + ((error as { sentParts?: number }).sentParts ?? 0) });
      throw error;
    }
  }

  /** Sets a tapback (an emoji; ❤️ 👍 👎 😂 ‼️ ❓ map to the classic ones) on a message of the chat. */
  async react(chatId: string, messageId: string, emoji: string): Promise<void> {
    const message =
      this.#current(this.#messages.get(messageId)) ?? (await this.#fetchMessage(chatId, messageId));
    await this.#queue.enqueue("setting a tapback", () => message.react(emoji));
  }

  /**
   * Shows (or clears) the typing indicator; resolves `false` when a start was skipped because one
   * was sent to this chat within `typingCooldownMs`. Cannot duplicate anything: a lost answer is transient.
   */
  async setTyping(chatId: string, on: boolean): Promise<boolean> {
    if (on && this.#typingStartedAt.has(chatId)) return false;
    const space = await this.#space(chatId);
    const sdk = this.#requireSdk();
    await this.#queue.enqueue(
      "typing indicator",
      () => space.send(sdk.typing(on ? "start" : "stop")),
      { mutating: false },
    );
    if (on) this.#typingStartedAt.set(chatId, true);
    else this.#typingStartedAt.delete(chatId);
    return true;
  }

  async #consume(): Promise<void> {
    let backoff = RESUBSCRIBE_INITIAL_MS;
    let first = true;
    while (this.#app && this.#instance && !this.#isStopped()) {
      const app = this.#app;
      const epoch = this.#appEpoch;
      // The first time, the watches are not subscribed yet: they start after a delay of their own.
      if (!first) this.#reorderWatchesSoon();
      first = false;
      try {
        // The iMessage instance's stream rather than `app.messages`: the app's is the same stream
        // merged (two more async-iterator layers, each a few promise hops per message) with
        // providers this channel never registers.
        for await (const [space, message] of this.#instance.messages) {
          backoff = RESUBSCRIBE_INITIAL_MS;
          if (this.#currentState === "reconnecting") this.#currentState = "running";
          this.#restartBackoff = RESUBSCRIBE_INITIAL_MS;
          await this.#serially(() => this.#deliver(space, message, false, epoch));
          if (this.#isStopped()) return;
        }
        if (this.#isStopped()) return;
        // A restart swapped the app: go straight on with the new one.
        if (this.#app !== app) continue;
        this.#log("warn", "photon: the SDK's message stream ended; subscribing again");
      } catch (error) {
        if (this.#isStopped()) return;
        this.#log(
          "warn",
          `photon: the SDK's message stream failed (${errorName(error)}); subscribing again`,
        );
      }
      this.#currentState = "reconnecting";
      await this.#sleep(backoff);
      backoff = Math.min(backoff * 2, RESUBSCRIBE_MAX_MS);
    }
  }

  /** `epoch`: of the SDK app that yielded `space` and `message`. */
  async #deliver(
    space: unknown,
    message: unknown,
    recovered: boolean,
    epoch: number,
  ): Promise<void> {
    if (this.#inboundStopped) return;
    this.#delivering += 1;
    const id =
      typeof (message as { id?: unknown } | null)?.id === "string"
        ? (message as { id: string }).id
        : null;
    try {
      await this.#deliverOne(space, message, recovered, epoch);
    } finally {
      this.#delivering -= 1;
      if (id !== null) {
        for (const { tracker } of this.#lineWatches) tracker.settle(id);
        await this.#saveCursor();
      }
    }
  }

  async #deliverOne(
    space: unknown,
    message: unknown,
    recovered: boolean,
    epoch: number,
  ): Promise<void> {
    if (!recovered) this.#lastInboundAt = this.#now();
    const result = normalizeInbound(space, message);
    if (!result.ok) {
      this.#ignoredCounts[result.reason] = (this.#ignoredCounts[result.reason] ?? 0) + 1;
      if (result.reason === "unsupported_content")
        this.#log(
          "info",
          `photon: ignoring inbound content of type ${JSON.stringify(result.contentType)}`,
        );
      return;
    }
    const event = result.event;
    if (!this.#allowed.allows(event.senderId)) {
      // Never reaches the agent; the sender is not echoed into logs either (it is a phone number).
      this.#counters.denied += 1;
      this.#log("info", "photon: denied an inbound event from a sender not in the allowed users");
      return;
    }
    // At-least-once delivery and catch-up can repeat an event; its id (for a tapback the SDK's
    // `<target>:reaction:<sequence>`) identifies it.
    if (this.#seen.has(event.messageId) || this.#inProgress.has(event.messageId)) {
      this.#counters.duplicates += 1;
      return;
    }
    if (event.kind === "message" && event.chatType === "group" && !this.#addressed(event.text)) {
      this.#counters.notAddressed += 1;
      this.#handled(event.messageId);
      return;
    }
    this.#inProgress.add(event.messageId);
    try {
      await this.#handOver(event, space, message, epoch);
    } finally {
      this.#inProgress.delete(event.messageId);
      this.#handled(event.messageId);
    }
  }

  /** Remembered (and, with `stateDir`, saved before the next event is taken) so it is never handed over twice. */
  #handled(id: string): void {
    this.#seen.set(id, true);
    this.#store?.markHandled(id);
  }

  async #handOver(
    event: PhotonInboundEvent,
    space: unknown,
    message: unknown,
    epoch: number,
  ): Promise<void> {
    this.#counters.inbound += 1;
    this.#spaces.set(event.chatId, { value: space as SdkSpace, epoch });
    const phone = (space as SdkSpace).phone;
    const line =
      typeof phone === "string" && phone !== SHARED_PHONE
        ? this.#lines?.lines.find((l) => l.phone === phone)
        : undefined;
    if (line !== undefined) {
      if (this.#store) this.#store.rememberChatLine(event.chatId, line.id);
      else this.#chatLines.set(event.chatId, line.id);
    }
    if (event.kind === "message")
      this.#messages.set(event.messageId, { value: message as SdkMessage, epoch });
    if (event.kind === "message" && event.media.length > 0 && this.#mediaCache)
      await this.#download(event, message);
    try {
      if (event.kind === "message") await this.#options.onMessage(event);
      else await this.#options.onReaction?.(event);
    } catch (error) {
      this.#counters.handlerErrors += 1;
      this.#log(
        "error",
        `photon: the inbound handler threw (${errorName(error)}); the event is not redelivered`,
      );
    }
    // Not awaited: a receipt waiting behind rate-limited sends must not hold up inbound.
    if (event.kind === "message" && this.#options.sendReadReceipts)
      void this.#sendReadReceipt(message as SdkMessage);
  }

  /** Saves each attachment of `event` to the media cache, filling in `path` or saying why not. */
  async #download(event: PhotonInboundMessage, message: unknown): Promise<void> {
    const cache = this.#mediaCache;
    if (!cache) return;
    const readers = attachmentReaders(message);
    for (const media of event.media) {
      const read = media.attachmentId ? readers.get(media.attachmentId) : undefined;
      if (media.size !== null && media.size > cache.maxFileBytes) {
        media.notDownloaded = "too_large";
        continue;
      }
      try {
        if (!read) throw new Error("the SDK gave no reader for this attachment");
        const bytes = await read();
        if (bytes.byteLength > cache.maxFileBytes) {
          media.notDownloaded = "too_large";
          continue;
        }
        media.path = await cache.store(media.fileName, bytes);
        media.size = bytes.byteLength;
        media.notDownloaded = null;
      } catch (error) {
        media.notDownloaded = "download_failed";
        this.#log(
          "warn",
          `photon: could not download an attachment (${errorName(error)}); the agent gets its description only`,
        );
      }
    }
  }

  #addressed(text: string): boolean {
    if (this.#options.groupsRequireMention === false) return true;
    return (this.#options.groupMentionPatterns ?? DEFAULT_MENTION_PATTERNS).some((pattern) => {
      pattern.lastIndex = 0;
      return pattern.test(text);
    });
  }

  /**
   * Marks the chat read up to an inbound message (the SDK's `message.read()`, i.e.
   * `ChatService/MarkChatRead`: iMessage read state is per chat). For a host that decides itself
   * when a message counts as read (a gateway: when its turn starts) rather than `sendReadReceipts`.
   * Cosmetic: resolves `false` on any failure (logged at debug level), never rejects.
   */
  async markRead(chatId: string, messageId: string): Promise<boolean> {
    try {
      const message =
        this.#current(this.#messages.get(messageId)) ??
        (await this.#fetchMessage(chatId, messageId));
      return await this.#sendReadReceipt(message);
    } catch (error) {
      this.#log("debug", `photon: could not send a read receipt (${errorName(error)})`);
      return false;
    }
  }

  async #sendReadReceipt(message: SdkMessage): Promise<boolean> {
    try {
      await this.#queue.enqueue("read receipt", () => message.read(), { mutating: false });
      return true;
    } catch (error) {
      // A receipt is presence polish, never a reason to fail the message.
      this.#log("debug", `photon: could not send a read receipt (${errorName(error)})`);
      return false;
    }
  }

  async #space(chatId: string): Promise<SdkSpace> {
    const known = this.#current(this.#spaces.get(chatId));
    if (known) return known;
    const instance = this.#requireInstance();
    const epoch = this.#appEpoch;
    // With several lines the SDK must be told which one (it refuses to guess): the chat's own.
    const phone = this.#lineFor(chatId)?.phone ?? undefined;
    const space = await (phone === undefined
      ? instance.space.get(chatId)
      : instance.space.get(chatId, { phone }));
    if (epoch === this.#appEpoch) this.#spaces.set(chatId, { value: space, epoch });
    return space;
  }

  /**
   * The line to answer `chatId` on: the one it last wrote in on (remembered across restarts), under
   * that line's current number. A chat with no known line while several are served — it wrote in
   * before the state was kept, or its entry aged out — is answered from the first line rather than
   * not at all (the SDK refuses to guess), and that is logged. Undefined: let the SDK choose (one line).
   */
  #lineFor(chatId: string): ImessageLine | undefined {
    const served = this.#numberedLines();
    const known = this.#chatLines.get(chatId);
    const line = known === undefined ? undefined : served.find((l) => l.id === known);
    if (line !== undefined || served.length < 2) return line;
    const fallback = served[0];
    if (fallback !== undefined)
      this.#log(
        "warn",
        `photon: no line is known for a chat; answering it from line ${fallback.id} (of ${served.length})`,
      );
    return fallback;
  }

  /** The lines served with a number: the ones the SDK must be told apart when there are several. */
  #numberedLines(): ImessageLine[] {
    return (this.#lines?.lines ?? []).filter((l) => l.phone !== null);
  }

  /** A cached space or message, if the SDK app that made it is still the current one. */
  #current<T>(cached: FromApp<T> | undefined): T | undefined {
    return cached !== undefined && cached.epoch === this.#appEpoch ? cached.value : undefined;
  }

  async #fetchMessage(chatId: string, messageId: string): Promise<SdkMessage> {
    const space = await this.#space(chatId);
    const instance = this.#requireInstance();
    const message = await this.#queue.enqueue(
      "looking up a message",
      () => instance.getMessage(space, messageId),
      { mutating: false },
    );
    if (!message)
      throw new PhotonSendError(
        "target_not_allowed",
        "looking up a message",
        new Error(`message ${messageId} not found`),
      );
    return message;
  }

  #requireSdk(): SpectrumSdk {
    if (!this.#sdk || this.#currentState === "stopped")
      throw new PhotonChannelStateError("The Photon channel is not running; call start() first.");
    return this.#sdk;
  }

  #requireInstance(): IMessageInstance {
    this.#requireSdk();
    if (!this.#instance)
      throw new PhotonChannelStateError("The Photon channel is not running; call start() first.");
    return this.#instance;
  }

  /** A method, not a property read, so TypeScript does not narrow the state across awaits. */
  #isStopped(): boolean {
    return this.#currentState === "stopped";
  }

  #log(level: keyof PhotonLogger, message: string): void {
    try {
      this.#options.logger?.[level]?.(message);
    } catch {
      // A logger that throws must not break the channel.
    }
  }
}
