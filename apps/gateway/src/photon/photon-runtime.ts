// The gateway's iMessage side: a PhotonChannel (spectrum-ts in-process) whose inbound messages go
// through the same turn pipeline as the relay's — journal, per-session scheduler, agent — and
// whose replies go back through the channel. Loaded (with the SDK) only when Photon is enabled.
//
// No loss, no double answer: the channel hands a message over only once (its handled ids and
// resume cursor are saved under $HERMES_HOME/photon/<project>/), and this side records the turn
// in its own journal ($HERMES_HOME/gateway/journal/photon-<project>.jsonl) durably BEFORE it
// tells the channel the message was taken; a turn that did not finish runs again after a restart,
// a finished one is never answered again.
import { PHOTON_CREDENTIALS_MISSING, photonCredentials } from "./credentials.js";
import {
  PhotonChannel,
  type PhotonChannelHealth,
  type PhotonChannelOptions,
  type PhotonInboundMessage,
} from "@hermes/photon-channel";
import type { Logger } from "pino";
import { join } from "node:path";
import { ensureDirSync } from "@hermes/credential-store";
import { REACTION_DONE, REACTION_FAILED, REACTION_WORKING } from "../activity/turn-activity.js";
import type { AgentBackend } from "../agent/types.js";
import type { GatewayConfig } from "../config/resolve.js";
import type { MetricsRecorder } from "../ops/metrics-events.js";
import {
  startInboundTurn,
  type InboundDeps,
  type InboundOutcome,
} from "../pipeline/handle-inbound.js";
import { JournalError, journalPath, recordTurnEnd, TurnJournal } from "../turns/journal.js";
import { isJournalEvent } from "../turns/journal-event.js";
import { journalHolds, messageKey } from "../turns/message-key.js";
import type { ChatOutbound } from "../reply/chat-outbound.js";
import type { TurnScheduler } from "../turns/scheduler.js";
import { toAgentEvent, type PhotonAgentEvent } from "./agent-event.js";
import { PromptBook } from "../reply/prompts.js";
import { photonChatOutbound } from "./outbound.js";
import { startPhotonWebhookReceiver, type PhotonWebhookReceiver } from "./webhook-receiver.js";

/** A turn still running after this long shows the typing indicator. */
const TYPING_AFTER_MS = 1000;

/**
 * A chat id as logs show it: a direct chat's id holds the sender's number or address (personal
 * data, which the channel never logs either); its last four characters still tell chats apart.
 */
export function chatForLog(chatId: string): string {
  const cut = chatId.lastIndexOf(";");
  const handle = chatId.slice(cut + 1);
  return handle.length <= 4 ? chatId : `${chatId.slice(0, cut + 1)}…${handle.slice(-4)}`;
}

/** The platform name iMessage sessions, journal keys and logs carry. */
export const PHOTON_PLATFORM = "imessage";

export class PhotonStartError extends Error {
  constructor(
    readonly code: "PHOTON_CREDENTIALS_MISSING" | "PHOTON_AUTH_OR_CONFIG" | "PHOTON_START_FAILED",
    message: string,
  ) {
    super(message);
    this.name = "PhotonStartError";
  }
}

export interface PhotonRuntimeOptions {
  readonly config: GatewayConfig;
  readonly log: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly agent: AgentBackend;
  readonly scheduler: TurnScheduler;
  /** Keep the turn journal under HERMES_HOME (`run` does). */
  readonly journal: boolean;
  /** Read at each event: the gateway loads its metrics after start. */
  readonly metrics: () => MetricsRecorder;
  readonly onOutcome?: (
    event: PhotonAgentEvent,
    outcome: InboundOutcome | { readonly kind: "duplicate" },
  ) => void;
  /** Tests shorten the channel's deadlines. */
  readonly channel?: Partial<Pick<PhotonChannelOptions, "watch" | "sendQueue">>;
}

export class PhotonRuntime {
  readonly #opts: PhotonRuntimeOptions;
  readonly #log: Logger;
  readonly #channel: PhotonChannel;
  readonly #journal: TurnJournal<PhotonAgentEvent> | null;
  readonly #deps: Omit<InboundDeps, "authorize">;
  #webhook: PhotonWebhookReceiver | null = null;

  private constructor(
    opts: PhotonRuntimeOptions,
    channel: PhotonChannel,
    journal: TurnJournal<PhotonAgentEvent> | null,
  ) {
    this.#opts = opts;
    this.#log = opts.log;
    this.#channel = channel;
    this.#journal = journal;
    this.#deps = {
      agent: opts.agent,
      scheduler: opts.scheduler,
      sessionKey: (e) => sessionKeyOf(e),
      outbound: (e) => this.#outbound(e),
      // Called as the turn starts (after any earlier turn of its chat): the moment the message is
      // read. Not awaited: a receipt never delays or fails the turn.
      ready: (e) => {
        if (opts.config.photon.readReceipts.value && e.messageId !== null)
          void this.#channel.markRead(e.source.chat_id, e.messageId);
      },
      // A media file that cannot be sent is logged (and its caption goes out as text).
      reply: { log: opts.log },
      // An agent's prompt goes out as numbered text (iMessage has no buttons here); the user's
      // answer ("2", or the option's label) comes back to the agent as `promptResponse`.
      prompts: new PromptBook(),
    };
  }

  #outbound(event: PhotonAgentEvent): ChatOutbound {
    return photonChatOutbound({
      channel: this.#channel,
      chatId: event.source.chat_id,
      platform: PHOTON_PLATFORM,
      metrics: this.#opts.metrics,
      beforeReply: () => this.#journal?.beforeReply(),
    });
  }

  /** Loads the project credentials, opens the journal, starts the channel (and the SDK). */
  static async start(opts: PhotonRuntimeOptions): Promise<PhotonRuntime> {
    const c = opts.config;
    const credentials = await photonCredentials(c.home, opts.env);
    if (credentials === null)
      throw new PhotonStartError("PHOTON_CREDENTIALS_MISSING", PHOTON_CREDENTIALS_MISSING);
    const projectDir = join(c.home, "photon", encodeURIComponent(credentials.projectId));
    // Made here, not by the channel's recursive mkdir, which never returns under procfs
    // (see ensureDirSync): a HERMES_HOME that cannot hold it is a clear error at start.
    try {
      ensureDirSync(projectDir);
    } catch (e) {
      throw new PhotonStartError(
        "PHOTON_AUTH_OR_CONFIG",
        `HERMES_HOME cannot hold the iMessage channel's state: ${(e as Error).message}`,
      );
    }
    let journal: TurnJournal<PhotonAgentEvent> | null = null;
    let unfinished: ReadonlyArray<{ readonly key: string; readonly event: PhotonAgentEvent }> = [];
    if (opts.journal) {
      const opened = TurnJournal.open<PhotonAgentEvent>(
        journalPath(c.home, `photon-${credentials.projectId}`),
        {
          accept: isJournalEvent,
          onTrouble: (failure) => {
            if (failure !== null)
              opts.log.error(
                { err: failure.summary },
                "photon turn journal cannot be written: iMessages are answered without their crash-safe record until it can",
              );
            else opts.log.info("photon turn journal writable again");
          },
        },
      );
      journal = opened.journal;
      unfinished = opened.unfinished;
      if (opened.skippedLines > 0)
        opts.log.warn(
          { skipped: opened.skippedLines },
          "photon turn journal: unreadable lines skipped",
        );
    }
    // The channel's handler needs the runtime, which needs the channel: bound once both exist.
    const bound: { runtime: PhotonRuntime | null } = { runtime: null };
    const channelLog = opts.log;
    const channel = new PhotonChannel({
      projectId: credentials.projectId,
      projectSecret: credentials.projectSecret,
      allowedUsers: c.photon.allowedUsers.value,
      groupsRequireMention: c.photon.requireMention.value,
      // Read receipts are sent by this runtime when a turn starts (PHOTON_READ_RECEIPTS), not
      // when the channel hands a message over (it may wait behind its chat's running turn).
      sendReadReceipts: false,
      markdown: c.photon.markdown.value,
      imessageAddress: c.photon.imessageAddress.value,
      dedicatedLineAddress: c.photon.dedicatedLineAddress.value,
      inbound: c.photon.webhookPort.value === null ? "stream" : "webhook",
      // Without the journal (dev) nothing is kept across runs, so neither is the channel's state.
      // The turn journal fdatasyncs each message before onMessage returns and drops one it already
      // took, so the channel's own file need not be fsync'd too: one durable write per message.
      ...(opts.journal ? { stateDir: projectDir, syncState: false } : {}),
      mediaCache: { dir: join(projectDir, "media") },
      watch: { silenceTimeoutMs: c.photon.silenceTimeoutMs.value, ...opts.channel?.watch },
      ...(opts.channel?.sendQueue ? { sendQueue: opts.channel.sendQueue } : {}),
      logger: {
        debug: (m: string) => channelLog.debug(m),
        info: (m: string) => channelLog.info(m),
        warn: (m: string) => channelLog.warn(m),
        error: (m: string) => channelLog.error(m),
      },
      onMessage: (message) => bound.runtime?.onMessage(message),
      onReaction: (reaction) =>
        channelLog.debug(
          { chat: chatForLog(reaction.chatId), emoji: reaction.emoji },
          "tapback received",
        ),
    });
    const runtime = new PhotonRuntime(opts, channel, journal);
    bound.runtime = runtime;
    try {
      await channel.start();
    } catch (error) {
      journal?.close();
      const code = (error as { code?: unknown }).code;
      if (code === "auth_or_config" || code === "target_not_allowed") {
        throw new PhotonStartError(
          "PHOTON_AUTH_OR_CONFIG",
          "Photon refused the project credentials; run `hermes photon setup` (or check PHOTON_PROJECT_ID / PHOTON_PROJECT_SECRET)",
        );
      }
      throw new PhotonStartError(
        "PHOTON_START_FAILED",
        `the Photon channel could not start (${typeof code === "string" ? code : "error"})`,
      );
    }
    if (c.photon.webhookPort.value !== null) {
      try {
        runtime.#webhook = await startPhotonWebhookReceiver({
          host: c.photon.webhookHost.value,
          port: c.photon.webhookPort.value,
          secret: c.photon.webhookSecret.value,
          onMessage: (ref) => channel.acceptWebhookMessage(ref),
          onError: (error) =>
            opts.log.warn({ err: (error as Error).name }, "photon webhook delivery not handled"),
        });
      } catch (error) {
        await channel.stop();
        journal?.close();
        throw new PhotonStartError(
          "PHOTON_START_FAILED",
          `the Photon webhook receiver could not listen (${(error as { code?: string }).code ?? "error"})`,
        );
      }
      opts.log.info({ url: runtime.#webhook.url }, "photon webhook receiver listening");
    }
    opts.log.info(
      {
        imessageAddress: c.photon.imessageAddress.value,
        inbound: c.photon.webhookPort.value === null ? "stream" : "webhook",
      },
      "photon iMessage channel running",
    );
    if (unfinished.length > 0)
      opts.log.info(
        { turns: unfinished.length },
        "photon turn journal: running again the turns that did not finish",
      );
    for (const { key, event } of unfinished) runtime.#runTurn(key, event);
    return runtime;
  }

  health(): PhotonChannelHealth {
    return this.#channel.health;
  }

  /** No new messages (they stay on the server and are caught up after the restart); replies still go out. */
  async stopInbound(): Promise<void> {
    // From here no delivery is accepted; Photon redelivers failed deliveries (at-least-once).
    await this.#webhook?.close();
    await this.#channel.stopInbound();
  }

  async stop(): Promise<void> {
    await this.#channel.stop();
    this.#journal?.close();
  }

  /**
   * Resolves once the turn is on disk: the channel marks the message handled only after this
   * returns. Except while the journal cannot be written: then it resolves once the turn is
   * started, without its record (see below).
   */
  async onMessage(message: PhotonInboundMessage): Promise<void> {
    const event = toAgentEvent(message);
    const key = messageKey(PHOTON_PLATFORM, message.chatId, message.messageId);
    const journal = this.#journal;
    if (
      journal !== null &&
      journalHolds(journal, key, PHOTON_PLATFORM, message.chatId, message.messageId)
    ) {
      this.#log.info(
        { chat: chatForLog(message.chatId), messageId: message.messageId },
        "duplicate message dropped",
      );
      this.#opts.metrics().duplicate();
      this.#notify(event, { kind: "duplicate" });
      return;
    }
    const sessionKey = sessionKeyOf(event);
    const bound = this.#opts.scheduler.wouldShed(sessionKey);
    if (bound !== null) {
      this.#opts.metrics().shed();
      this.#log.error(
        { chat: chatForLog(message.chatId), messageId: message.messageId, bound },
        "turn queue full: message shed (not answered)",
      );
      return;
    }
    // Taken now (a redelivery from here on is a duplicate), written with the journal's batch at
    // the end of this event-loop turn, then fdatasync'd. The turn starts first: an agent that
    // answers at once has its reply on the wire before the record is serialized and written
    // (grpc-js writes to the socket in the same check phase, before JS immediates), so the reply
    // waits neither for that write nor for the disk. The channel marks the message handled only
    // once the record is durable, so a power cut cannot lose a message it marked. A crash before
    // the record is written leaves the message unmarked: it is caught up and answered again after
    // the restart — the same exposure as a crash between a reply and its turn's end
    // (docs/contract/photon-runtime.md).
    let recorded = journal !== null;
    try {
      journal?.take(key, event);
    } catch (e) {
      // The journal takes no writes (a full disk; logged at error when that began): answered
      // without its crash-safe record, as the relay answers a live message. Refused, the channel
      // would log it and never deliver it again.
      if (!(e instanceof JournalError)) throw e;
      recorded = false;
    }
    this.#tapback(event, REACTION_WORKING);
    this.#runTurn(key, event);
    if (journal === null || !recorded) return;
    await afterThisTurnsWrites();
    try {
      await journal.durable();
    } catch (e) {
      // Taken, but its record waits in memory until the disk has room (the journal retries by
      // itself): answered meanwhile, and marked handled, as above.
      if (!(e instanceof JournalError)) throw e;
    }
  }

  /** The working tapbacks (PHOTON_WORKING_TAPBACKS): 👀 while the turn runs, then ✅ or ❌. */
  #tapback(event: PhotonAgentEvent, emoji: string): void {
    if (!this.#opts.config.photon.workingTapbacks.value || event.messageId === null) return;
    this.#channel.react(event.source.chat_id, event.messageId, emoji).catch((error: unknown) => {
      this.#log.debug({ code: (error as { code?: unknown }).code }, "tapback not set");
    });
  }

  #runTurn(key: string, event: PhotonAgentEvent): void {
    const started = Date.now();
    // Typing only for a turn that takes a while: every call spends Photon's 5/s budget, and a
    // typing call just before a quick reply would hold that reply back by one pacing step.
    // Presence only: a lost typing indicator changes nothing.
    const typing = setTimeout(
      () => void this.#channel.setTyping(event.source.chat_id, true).catch(() => undefined),
      TYPING_AFTER_MS,
    );
    // Recorded finished before the turn settles in its session (see the relay's #runTurn).
    const recordEnd = (outcome: InboundOutcome): void =>
      recordTurnEnd(this.#journal, key, outcome, this.#log, "photon turn journal");
    startInboundTurn(event, this.#deps, sessionKeyOf(event), recordEnd, (outcome) => {
      clearTimeout(typing);
      if (outcome.kind === "replied" || outcome.kind === "empty")
        this.#tapback(event, REACTION_DONE);
      else if (outcome.kind === "failed") this.#tapback(event, REACTION_FAILED);
      const ms = Date.now() - started;
      this.#opts
        .metrics()
        .turn(
          outcome.kind,
          outcome.kind === "replied" || outcome.kind === "empty" || outcome.kind === "failed"
            ? ms / 1000
            : undefined,
        );
      const fields = { platform: PHOTON_PLATFORM, chat: chatForLog(event.source.chat_id), ms };
      if (outcome.kind === "replied")
        this.#log.info(
          { platform: fields.platform, chat: fields.chat, ms, chunks: outcome.chunks },
          "replied",
        );
      else if (outcome.kind === "failed")
        this.#log.warn({ ...fields, code: outcome.code }, "turn failed");
      else this.#log.info({ ...fields, outcome: outcome.kind }, "turn ended without a reply");
      this.#notify(event, outcome);
    });
  }

  #notify(event: PhotonAgentEvent, outcome: InboundOutcome | { readonly kind: "duplicate" }): void {
    try {
      this.#opts.onOutcome?.(event, outcome);
    } catch {
      // An observer never breaks the gateway.
    }
  }
}

/**
 * Resolves in the check phase of this event-loop turn, after the journal's batch (scheduled by
 * take(), earlier) and after the network writes queued during this turn.
 */
function afterThisTurnsWrites(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One session per chat, keyed by its platform. */
function sessionKeyOf(event: PhotonAgentEvent): string {
  return `${PHOTON_PLATFORM}:${event.source.chat_type}:${event.source.chat_id}`;
}
