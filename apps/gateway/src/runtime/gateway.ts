// The running gateway: the relay link (transport + RelayAdapter), the optional signed-HTTP
// receiver, the agent, the per-session turn scheduler, /healthz, the boot-time policy, and
// the shutdown / revocation sequences. `run` and `dev` both drive this one class.
import {
  ackAfter,
  buildCommandManifest,
  buildSessionKey,
  eventFromWire,
  isUpstreamRelayEvent,
  RelayAdapter,
  RelayMediaClient,
  relayHttpBase,
  startInboundReceiver,
  WebSocketRelayTransport,
  type DeferredAck,
  type InboundReceiverServer,
  type RelayIdentity,
  type RelayMessageEvent,
  type WebSocketRelayTransportOptions,
} from "@hermes/relay-adapter";
import type { Logger } from "pino";
import { createAgent } from "../agent/select.js";
import type { AgentBackend } from "../agent/types.js";
import { authorize } from "../auth/authorize.js";
import type { GatewayConfig } from "../config/resolve.js";
import { startHealthServer, type HealthServer, type HealthState } from "../ops/health.js";
import { NO_METRICS, type LinkState, type MetricsRecorder } from "../ops/metrics-events.js";
import {
  startInboundTurn,
  type InboundDeps,
  type InboundOutcome,
} from "../pipeline/handle-inbound.js";
import { TurnActivity } from "../activity/turn-activity.js";
import { localizeMedia } from "../media/localize.js";
import { REPLY_DECLINED } from "../reply/chat-outbound.js";
import { PromptBook, promptOwner } from "../reply/prompts.js";
import {
  JournalError,
  JOURNAL_RETRY_MS,
  journalPath,
  recordTurnEnd,
  TurnJournal,
  type OpenedJournal,
} from "../turns/journal.js";
import { isJournalEvent } from "../turns/journal-event.js";
import { journalHolds, messageKey } from "../turns/message-key.js";
import { TurnScheduler, type TurnSchedulerOptions } from "../turns/scheduler.js";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { PhotonRuntime, PhotonRuntimeOptions } from "../photon/photon-runtime.js";
import type { Sourced } from "@hermes/settings";
import { listening } from "./listen-error.js";
import { postRelayPolicies } from "./policy-post.js";
import { RelayChat, waitForLink, type RelayChatLink } from "./relay-chat.js";
import { provisionRelay, type ProvisionResult } from "./provision.js";

/** Process exit codes of `hermes-gateway`. */
export const EXIT = { ok: 0, failure: 1, config: 2, revoked: 3 } as const;

/** Logged (and shown by /healthz) when the connector revoked this gateway's secret. */

export interface GatewayRuntimeOptions {
  readonly config: GatewayConfig;
  readonly log: Logger;
  /** Environment handed to `exec:` agents. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Overrides for the transport (tests and `dev` shorten backoff). */
  readonly transport?: Partial<WebSocketRelayTransportOptions>;
  readonly agent?: AgentBackend;
  readonly fetch?: typeof fetch;
  /** Called after every handled inbound message (dev mode prints from here). */
  readonly onOutcome?: (event: RelayMessageEvent, outcome: InboundOutcome | DroppedOutcome) => void;
  /**
   * Keep the turn journal under HERMES_HOME (`run` does): buffered items are acked only once
   * recorded, unfinished turns run again after a restart, answered messages are not answered
   * twice. Off for `dev`, whose connector and chats live only as long as the process.
   */
  readonly journal?: boolean;
  /** Bounds on queued turns (default: GATEWAY_MAX_QUEUED_TURNS / GATEWAY_MAX_QUEUED_PER_SESSION). */
  readonly queue?: TurnSchedulerOptions;
  /** Shown by `/metrics` (`hermes_gateway_info{version}`). */
  readonly version?: string;
  /** Observes iMessage turns (dev mode prints from here); tests shorten the channel's deadlines. */
  readonly photon?: Pick<PhotonRuntimeOptions, "onOutcome" | "channel">;
}

/** The credentials the link uses: pinned in the configuration, or minted at boot (memory only). */
interface LinkCredentials {
  readonly gatewayId: string;
  readonly secret: string | null;
  readonly deliveryKey: string | null;
}

export { REPLY_DECLINED };

/** A replay waiting for room in the turn queue logs at warn at most this often. */
const ROOM_WAIT_LOG_EVERY_MS = 60_000;

/** What `onOutcome` is told about a message that never became a turn. */
export type DroppedOutcome =
  | { readonly kind: "duplicate" }
  | { readonly kind: "shed"; readonly bound: "total" | "session" }
  /** A button press on a prompt another gateway asked (the connector fans presses out). */
  | { readonly kind: "foreign_prompt" };

/** `platform:chat_id:message_id` (see messageKey), the identity of a message for deduplication; null without a message id. */
export function dedupeKey(event: RelayMessageEvent): string | null {
  const id = event.messageId;
  if (id === null || id === "") return null;
  return messageKey(event.source.platform, event.source.chat_id, id);
}

/**
 * The event of a journal take record written from the frame's text (`{"p":PLATFORM,"f":FRAME}`):
 * converted again exactly as the adapter converted it, `p` being the platform the converted
 * event had (the frame's own, or the descriptor's when the frame named none). Null when the
 * record is not such a frame.
 */
export function eventFromJournal(wire: unknown): RelayMessageEvent | null {
  if (typeof wire !== "object" || wire === null) return null;
  const { p, f } = wire as { p?: unknown; f?: unknown };
  if (typeof p !== "string" || typeof f !== "object" || f === null) return null;
  const converted = eventFromWire((f as { event?: unknown }).event, { platform: p });
  return converted.ok ? converted.event : null;
}

/**
 * Identities (one `hello` each) from GATEWAY_RELAY_PLATFORMS / GATEWAY_RELAY_BOT_IDS. The
 * Discord hello carries the command manifest of GATEWAY_COMMANDS (the connector, which holds
 * the bot token, registers them); `onDropped` hears about commands Discord would refuse.
 */
export function relayIdentities(
  config: GatewayConfig,
  onDropped?: (name: string, reason: string) => void,
): RelayIdentity[] {
  const { manifest, dropped } = buildCommandManifest(config.commands.value);
  for (const d of dropped) onDropped?.(d.name, d.reason);
  return config.relayPlatforms.value.map((platform) => {
    const id: RelayIdentity = { platform, botId: config.relayBotIds.value[platform]?.botId ?? "" };
    if (platform === "discord" && manifest.length > 0) id.commandManifest = manifest;
    return id;
  });
}

/** What a replayed message waiting for the journal holds: its frame's text. */
function waitBytes(event: RelayMessageEvent, wire: string | undefined): number {
  return wire?.length ?? event.text.length;
}

/** Replayed messages held while the journal takes no writes; past this they stay with the connector. */
const MAX_JOURNAL_WAITERS = 10_000;
/** The same bound in bytes of the frames they hold (each may be up to the 32 MiB frame cap). */
const MAX_JOURNAL_WAITING_BYTES = 64 * 1024 * 1024;

interface JournalWaiter {
  readonly wake: () => void;
  readonly bytes: number;
}

export class GatewayRuntime {
  readonly #opts: GatewayRuntimeOptions;
  readonly #log: Logger;
  readonly #scheduler: TurnScheduler;
  #journal: TurnJournal<RelayMessageEvent> | null = null;
  /** Replayed messages the journal could not record, waiting for it to take writes again. */
  #journalWaiters: JournalWaiter[] = [];
  #journalWaitingBytes = 0;
  /** When a replayed message last logged that it waits for room in the turn queue. */
  #roomWaitLoggedAt = Number.NEGATIVE_INFINITY;
  /** The last platform a take record named, and its record's head `{"p":PLATFORM,"f":`. */
  #headPlatform = "";
  #head = `{"p":"","f":`;
  readonly #transport: WebSocketRelayTransport;
  readonly #adapter: RelayAdapter;
  readonly #agent: AgentBackend;
  /** The connector's media routes (null without a relay URL and secret). */
  readonly #media: RelayMediaClient | null;
  /** The per-message pipeline's collaborators, built once (not per message). */
  readonly #deps: InboundDeps;
  /** Records turn outcomes, outbound results, link closes; a no-op unless /metrics is served. */
  #metrics: MetricsRecorder = NO_METRICS;
  #health: HealthServer | null = null;
  #receiver: InboundReceiverServer | null = null;
  /** The iMessage channel when Photon is enabled (loaded with its SDK only then). */
  #photon: PhotonRuntime | null = null;
  #stopping: Promise<number> | null = null;
  #revoked = false;
  #resolveExit!: (code: number) => void;
  /** Resolves with the process exit code once the gateway has fully stopped. */
  readonly exited: Promise<number> = new Promise((r) => (this.#resolveExit = r));

  readonly #creds: LinkCredentials;

  private constructor(opts: GatewayRuntimeOptions, provisioned: ProvisionResult | null) {
    this.#opts = opts;
    this.#log = opts.log;
    const c = opts.config;
    this.#creds =
      provisioned !== null && provisioned.secret !== null
        ? {
            gatewayId: provisioned.gatewayId,
            secret: provisioned.secret,
            deliveryKey: provisioned.deliveryKey ?? c.relayDeliveryKey.value,
          }
        : {
            gatewayId: c.relayId.value,
            secret: c.relaySecret.value,
            deliveryKey: c.relayDeliveryKey.value,
          };
    this.#scheduler = new TurnScheduler(
      opts.queue ?? {
        maxPending: c.queueMaxTurns.value,
        maxPerSession: c.queueMaxPerSession.value,
      },
    );
    const relayLog = this.#log.child({ component: "relay" });
    const relayLogger = {
      debug: (m: string) => relayLog.debug(m),
      info: (m: string) => relayLog.info(m),
      warn: (m: string) => relayLog.warn(m),
      error: (m: string) => relayLog.error(m),
    };
    this.#transport = new WebSocketRelayTransport({
      // Relay off (Photon only): the transport is built but never dialed (placeholder URL and identity).
      url: c.relayEnabled.value ? (c.relayUrl.value ?? "") : "ws://127.0.0.1/relay-off",
      gatewayId: this.#creds.gatewayId,
      secret: this.#creds.secret,
      identities: c.relayEnabled.value
        ? relayIdentities(c, (name, reason) =>
            this.#log.warn(
              { command: name, reason },
              "command left out of the Discord command manifest",
            ),
          )
        : [{ platform: "none", botId: "" }],
      logger: relayLogger,
      coalesceWrites: true,
      ...opts.transport,
      // The frames of one event-loop turn leave together (one write(2) per turn on a busy link),
      // after the journal has written the turns answered so far, or with their records right
      // after them where that keeps the same promise (TurnJournal.afterReply; opened in #start:
      // read at each write): a kill leaves at most one reply per session sent without its turn's
      // record. Not overridable: without them no reply op writes those records first.
      beforeWrite: () => {
        this.#journal?.beforeReply();
        opts.transport?.beforeWrite?.();
      },
      afterWrite: () => {
        this.#journal?.afterReply();
        opts.transport?.afterWrite?.();
      },
    });
    this.#adapter = new RelayAdapter({
      transport: this.#transport,
      logger: relayLogger,
    });
    this.#agent =
      opts.agent ??
      createAgent(c.agent.value, {
        timeoutMs: c.agentTimeoutMs.value,
        env: opts.env,
        secretValues: c.secretValues,
        passEnv: c.agentPassEnv.value,
        output: c.agentOutput.value,
        logger: this.#log.child({ component: "agent" }),
      });
    // Provisioned credentials when boot self-provision ran, else the configured secret.
    const secret = this.#creds.secret;
    this.#media =
      c.relayUrl.value === null || secret === null || secret === ""
        ? null
        : new RelayMediaClient({
            baseUrl: relayHttpBase(c.relayUrl.value),
            gatewayId: this.#creds.gatewayId,
            secret,
            cacheDir: join(c.home, "gateway", "media", encodeURIComponent(this.#creds.gatewayId)),
            cache: { maxBytes: c.mediaCacheMaxBytes.value, maxAgeMs: c.mediaCacheMaxAgeMs.value },
            ...(opts.fetch ? { fetch: opts.fetch } : {}),
          });
    const media = this.#media;
    const mediaLog = this.#log.child({ component: "media" });
    const authDeps = { allowedUsers: c.allowedUsers, isUpstreamRelayEvent };
    const adapter = this.#adapter;
    const chatLink: RelayChatLink = {
      adapter,
      transport: this.#transport,
      media,
      metrics: () => this.#metrics,
    };
    this.#deps = {
      agent: this.#agent,
      scheduler: this.#scheduler,
      authorize: (e) => authorize(adapter, e, authDeps),
      sessionKey: (e) => buildSessionKey(e.source),
      ready: (e, signal) => this.#chatReady(e, signal),
      // The chat's route (platform, scope, profile) was remembered by #chatReady, which runs
      // just before this in every turn (runTurnBody).
      outbound: (e, previous) => new RelayChat(chatLink, e.source, previous),
      localize: (e, signal) => localizeMedia(e, media, signal, mediaLog),
      activity: new TurnActivity({
        typingIntervalMs: c.typingIntervalMs.value,
        reactionPlatforms: c.reactionPlatforms.value,
        log: this.#log.child({ component: "activity" }),
      }),
      prompts: new PromptBook({ owner: promptOwner(this.#creds.gatewayId) }),
      reply: {
        editIntervalMs: c.streamEditIntervalMs.value,
        log: this.#log.child({ component: "reply" }),
      },
    };
  }

  /**
   * Wait for the link when the chat's platform has no negotiated descriptor yet (a turn run
   * again from the journal at boot, or one started while the link re-dials): its reply is split
   * and gated by that platform's descriptor, never by the placeholder or another platform's.
   */
  #chatReady(e: RelayMessageEvent, signal: AbortSignal): Promise<void> | undefined {
    const transport = this.#transport;
    // A turn recovered from the journal (or one queued while the route table moved on) still
    // leaves through the identity its chat arrived on, with the chat's scope and profile.
    this.#adapter.rememberChat(e.source);
    const platform = this.#adapter.platformForChat(e.source.chat_id);
    if (platform === undefined || transport.descriptorFor(platform) !== undefined) return undefined;
    if (transport.state.authRevoked || signal.aborted) return undefined;
    // Remembered again after the wait: a long outage may have pushed the chat out of the table.
    return waitForLink(transport, signal).then(() => this.#adapter.rememberChat(e.source));
  }

  /** Start everything; resolves once the health server and receiver listen (the link may still be dialing). */
  static async start(opts: GatewayRuntimeOptions): Promise<GatewayRuntime> {
    const rt = new GatewayRuntime(opts, await GatewayRuntime.#provision(opts));
    await rt.#start();
    return rt;
  }

  /**
   * Boot self-provision (docs/contract/relay-routing.md) when the relay is on, an identity token is configured and no
   * secret is pinned (an operator's pin is never stomped). Credentials stay in memory.
   */
  static async #provision(opts: GatewayRuntimeOptions): Promise<ProvisionResult | null> {
    const c = opts.config;
    const token = c.relayIdentityToken.value;
    if (!c.relayEnabled.value || c.relayUrl.value === null || token === null) return null;
    const log = opts.log.child({ component: "provision" });
    if (c.relaySecret.value !== null) {
      log.info({ secret: c.relaySecret.key }, "relay self-provision skipped: a secret is pinned");
      return null;
    }
    return provisionRelay({
      relayUrl: c.relayUrl.value,
      identityToken: token,
      gatewayId: c.relayId.value,
      identities: relayIdentities(c),
      endpoint: c.relayEndpoint.value,
      routeKeys: c.relayRouteKeys.value,
      instanceId: c.relayInstanceId.value,
      wakeUrl: c.relayWakeUrl.value,
      log,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
  }

  get adapter(): RelayAdapter {
    return this.#adapter;
  }
  get healthUrl(): string | null {
    return this.#health?.url ?? null;
  }
  /**
   * Where the turn journal / dedupe / queue bounds report `duplicate()` and `shed()`. A no-op
   * until start() has loaded the metrics (health port set): read it at each event, do not keep it.
   */
  get receiverUrl(): string | null {
    return this.#receiver?.url ?? null;
  }

  health(): HealthState {
    const s = this.#transport.state;
    return {
      relay: {
        state:
          this.#revoked || s.authRevoked
            ? "disabled"
            : this.#stopping
              ? "stopping"
              : s.connected
                ? "connected"
                : "connecting",
        platform: s.descriptor?.platform ?? null,
        dialCount: s.dialCount,
        lastClose:
          s.lastCloseCode === null
            ? null
            : { code: s.lastCloseCode, reason: s.lastCloseReason ?? "" },
        authRevoked: s.authRevoked,
      },
      turnsInFlight: this.#scheduler.inFlight,
      draining: this.#scheduler.draining,
      ...(this.#photon ? { photon: this.#photon.health() } : {}),
      ...(this.#journal
        ? {
            journal: {
              writable: this.#journal.failure === null,
              error: this.#journal.failure?.summary ?? null,
            },
          }
        : {}),
      ...(this.#opts.config.relayEnabled.value ? {} : { relay: null }),
    };
  }

  async #start(): Promise<void> {
    const c = this.#opts.config;
    this.#adapter.setMessageHandler((event, meta) =>
      this.#onMessage(event, meta.bufferId !== undefined, meta.wire),
    );
    this.#adapter.setInterruptHandler((sessionKey) => {
      const hit = this.#scheduler.interrupt(sessionKey);
      this.#log.info({ sessionKey, running: hit }, "interrupt_inbound");
    });
    this.#adapter.setFatalErrorHandler((err) => {
      if (err.code !== "relay_disabled") return;
      this.#revoked = true;
      this.#log.error({ code: err.code }, err.message); // the adapter's RELAY_DISABLED_MESSAGE
      void this.stop("revoked");
    });
    if (c.relayEnabled.value)
      this.#log.info(
        { url: this.#transport.dialUrl, gatewayId: this.#creds.gatewayId, agent: this.#agent.name },
        "connecting to the relay",
      );
    // Dial first: the connector's wake path waits for our hello, so nothing else (files, ports,
    // modules) comes before it. Frames can only arrive on a later tick, after the journal below
    // is open. The transport logs the link coming up (one line per event).
    if (c.relayEnabled.value)
      void this.#adapter.connect().then((up) => {
        if (!up) return;
        // Declared once the link is up (the connector is there to take it), off the dial's path.
        void postRelayPolicies({
          relayUrl: c.relayUrl.value ?? "",
          gatewayId: this.#creds.gatewayId,
          secret: this.#creds.secret,
          policies: c.relayPolicies,
          log: this.#log.child({ component: "policy" }),
        });
      });
    let recovered: OpenedJournal<RelayMessageEvent>["unfinished"] = [];
    if (this.#opts.journal === true) {
      // Throws JournalError (the caller exits 2) when HERMES_HOME cannot hold it.
      const opened = TurnJournal.open<RelayMessageEvent>(journalPath(c.home, c.relayId.value), {
        revive: eventFromJournal,
        accept: isJournalEvent,
        // Frames held for the end of this event-loop turn: the transport calls afterWrite then.
        framesHeld: () => this.#transport.writesHeld,
        onTrouble: (failure, dropped) => {
          if (failure !== null)
            this.#log.error(
              { err: failure.message },
              "turn journal cannot be written: live messages are answered without their crash-safe record, replayed ones stay with the connector (not acked) until it can be written again",
            );
          else {
            this.#log.info(
              { dropped },
              dropped > 0
                ? "turn journal writable again; the records held past the memory bound were rewritten from memory (a compaction)"
                : "turn journal writable again; every record held meanwhile is written",
            );
            // Replayed messages refused meanwhile are taken now, in order.
            this.#wakeJournalWaiters();
          }
        },
      });
      this.#journal = opened.journal;
      recovered = opened.unfinished;
      if (opened.skippedLines > 0)
        this.#log.warn(
          { path: opened.journal.path, skipped: opened.skippedLines },
          "turn journal: unreadable lines skipped (a write torn by a crash)",
        );
      if (recovered.length > 0)
        this.#log.info(
          { turns: recovered.length },
          "turn journal: running again the turns that did not finish before the last stop",
        );
    }
    if (c.healthPort.value !== null) {
      // Loaded only here: prom-client costs tens of ms at start-up, and only a scraper needs it.
      const { GatewayMetrics } = await import("../ops/metrics.js");
      const metrics = new GatewayMetrics({
        version: this.#opts.version ?? "0.0.0-dev",
        collect: () => {
          const h = this.health();
          const queueDepth = Math.max(0, this.#scheduler.pending - this.#scheduler.inFlight);
          return {
            linkState: (h.relay?.state ?? "connecting") as LinkState,
            dials: h.relay?.dialCount ?? 0,
            closeCodes: this.#transport.state.closeCodes,
            queueDepth,
            turnsInFlight: h.turnsInFlight,
            waitingForRoom: this.#scheduler.waitingForRoom,
            journalWritable: this.#journal?.failure ? 0 : 1,
          };
        },
      });
      this.#metrics = metrics;
      if (c.photon.enabled.value) {
        const { registerPhotonMetrics } = await import("../photon/metrics.js");
        registerPhotonMetrics(metrics.registry, () => this.#photon?.health() ?? null);
      }
      const port = c.healthPort as Sourced<number>;
      this.#health = await listening(
        "the health endpoint",
        c.healthHost,
        port,
        { host: "GATEWAY_HEALTH_HOST", port: "GATEWAY_HEALTH_PORT" },
        () =>
          startHealthServer({
            host: c.healthHost.value,
            port: port.value,
            state: () => this.health(),
            metrics,
          }),
      );
      this.#log.info({ url: this.#health.url }, "health endpoint listening");
    }
    if (c.inboundPort.value !== null && this.#creds.deliveryKey === null)
      this.#log.warn(
        { port: c.inboundPort.value },
        "signed-HTTP inbound receiver not started: it needs a delivery key (GATEWAY_RELAY_DELIVERY_KEY, or one issued by self-provisioning)",
      );
    if (this.#creds.deliveryKey !== null && c.inboundPort.value !== null) {
      const key = this.#creds.deliveryKey;
      const port = c.inboundPort as Sourced<number>;
      this.#receiver = await listening(
        "the signed-HTTP inbound receiver",
        c.inboundHost,
        port,
        { host: "GATEWAY_RELAY_INBOUND_HOST", port: "GATEWAY_RELAY_INBOUND_PORT" },
        () =>
          startInboundReceiver({
            host: c.inboundHost.value,
            port: port.value,
            verifyKeys: [key],
            onMessage: (event) => this.#adapter.deliverInbound(event),
            onInterrupt: (sessionKey, chatId) => this.#adapter.deliverInterrupt(sessionKey, chatId),
            logger: { warn: (m: string) => this.#log.warn({ component: "receiver" }, m) },
          }),
      );
      this.#log.info({ url: this.#receiver.url }, "signed-HTTP inbound receiver listening");
    }
    // After connect() wired the link's handlers: their replies wait for the link if needed.
    for (const { key, event } of recovered) this.#runTurn(key, event);
    if (c.photon.enabled.value) {
      const { PhotonRuntime } = await import("../photon/photon-runtime.js");
      this.#photon = await PhotonRuntime.start({
        config: c,
        log: this.#log.child({ component: "photon" }),
        env: this.#opts.env,
        agent: this.#agent,
        scheduler: this.#scheduler,
        journal: this.#opts.journal === true,
        metrics: () => this.#metrics,
        ...this.#opts.photon,
      });
    }
  }

  /**
   * Take an inbound message. With the journal on, a buffered item is answered with
   * `ackAfter(durable)`: taken now, acked once its record is on disk. Past a queue bound a
   * buffered item waits for room first (the promise returned). Throwing leaves a buffered item
   * unacked: the connector replays it on the next link.
   */
  #onMessage(
    event: RelayMessageEvent,
    buffered: boolean,
    wire?: string,
  ): void | DeferredAck | Promise<void | DeferredAck> {
    const key = dedupeKey(event);
    const journal = this.#journal;
    if (
      key !== null &&
      journal !== null &&
      journalHolds(journal, key, event.source.platform, event.source.chat_id, event.messageId ?? "")
    ) {
      // At-least-once delivery: a live frame re-sent after a reconnect, or a replay whose ack was lost.
      this.#log.info(
        {
          platform: event.source.platform,
          chatId: event.source.chat_id,
          messageId: event.messageId,
          buffered,
        },
        "duplicate message dropped",
      );
      this.#metrics.duplicate();
      this.#notify(event, { kind: "duplicate" });
      // Its first copy's record may still be on its way to disk (taken on a link that died
      // before its ack, say): ack this one only once everything recorded so far is.
      return buffered ? ackAfter(this.#durable(journal)) : undefined;
    }
    const press = event.promptResponse;
    if (press !== null && this.#deps.prompts?.isForeign(press.promptId) === true) {
      // The connector fans a press out to every gateway of the tenant: only the prompt's owner
      // answers it (running a turn here would answer "/<option>" to a prompt never asked).
      this.#log.debug(
        { platform: event.source.platform, chatId: event.source.chat_id, promptId: press.promptId },
        "prompt answer for another gateway ignored",
      );
      this.#notify(event, { kind: "foreign_prompt" });
      return;
    }
    if (this.#scheduler.draining) {
      // Not taken: a buffered item stays unacked and is replayed after the restart.
      this.#metrics.turn("draining");
      throw new Error("the gateway is shutting down and takes no new turns");
    }
    const started = Date.now();
    const auth = this.#deps.authorize(event);
    if (!auth.ok) {
      this.#log.warn(
        { platform: event.source.platform, chatId: event.source.chat_id, reason: auth.reason },
        "message denied",
      );
      this.#metrics.turn("denied");
      this.#notify(event, { kind: "denied", reason: auth.reason });
      return;
    }
    const sessionKey = this.#deps.sessionKey(event);
    const bound = this.#scheduler.wouldShed(sessionKey);
    if (bound !== null) {
      const fields = {
        platform: event.source.platform,
        chatId: event.source.chat_id,
        messageId: event.messageId,
        bound,
        ...this.#scheduler.limits,
      };
      if (buffered) {
        // Not shed: a replayed message waits for room (the connector holds it until the ack),
        // and the link's later messages wait behind it, in order. Leaving it with the connector
        // instead stranded it until the next link.
        const now = Date.now();
        if (now - this.#roomWaitLoggedAt >= ROOM_WAIT_LOG_EVERY_MS) {
          this.#roomWaitLoggedAt = now;
          this.#log.warn(
            fields,
            "turn queue full: replayed messages wait for room (later messages wait behind them)",
          );
        }
        return this.#scheduler
          .whenRoom(sessionKey)
          .then(() => this.#onMessage(event, buffered, wire));
      }
      this.#metrics.shed();
      this.#notify(event, { kind: "shed", bound });
      this.#log.error(fields, "turn queue full: message shed (not answered)");
      return;
    }
    const turnKey = key ?? `~${randomUUID()}`;
    if (buffered && journal !== null && key !== null && this.#journalWaiters.length > 0)
      // Earlier replayed messages wait for the journal: this one waits behind them, in order.
      return this.#replayWhenJournalWritable(journal.failure, event, wire);
    if (journal !== null) {
      try {
        // The frame's own text is recorded (see eventFromJournal), not a serialization of the event.
        journal.take(
          turnKey,
          event,
          wire === undefined ? undefined : [this.#wireHead(event.source.platform), wire, "}"],
        );
      } catch (e) {
        if (!(e instanceof JournalError)) throw e;
        // The file takes no writes (logged at error when that began). A replayed item waits,
        // unacked, until it does (the journal retries by itself), then is taken and acked as
        // usual; left with the connector it would come again only on the next link. The
        // link's live messages do not wait behind it (later replayed ones do, see above).
        // A live one would be lost, so it is answered without its record.
        // Without an id a copy replayed on a later link could not be told from this one (both
        // would be answered): such an item stays with the connector.
        if (buffered && key === null) throw e;
        if (buffered) return this.#replayWhenJournalWritable(e, event, wire);
      }
    }
    this.#runTurn(turnKey, event, started, sessionKey);
    // Acked once the record is on disk; the replay's next items are taken meanwhile, so that a
    // burst of them shares one fdatasync instead of waiting for one each.
    if (buffered && journal !== null) return ackAfter(this.#durable(journal));
  }

  /**
   * Resolves once the journal is writable again (see #journalWaiters); rejects with `failure`
   * while stopping or past MAX_JOURNAL_WAITERS / MAX_JOURNAL_WAITING_BYTES (the item then stays
   * with the connector). A failure the journal does not hold on to (an fdatasync error, or one
   * already over) is never announced as over: such a wait ends after JOURNAL_RETRY_MS.
   */
  #whenJournalWritable(failure: JournalError | null, bytes = 0): Promise<void> {
    if (
      this.#scheduler.draining ||
      this.#journalWaiters.length >= MAX_JOURNAL_WAITERS ||
      this.#journalWaitingBytes + bytes > MAX_JOURNAL_WAITING_BYTES
    )
      return Promise.reject(failure ?? new Error("the turn journal cannot be written"));
    return new Promise<void>((resolve) => {
      const waiter: JournalWaiter = { wake: resolve, bytes };
      this.#journalWaiters.push(waiter);
      this.#journalWaitingBytes += bytes;
      if (this.#journal?.failure !== null) return;
      setTimeout(() => {
        const at = this.#journalWaiters.indexOf(waiter);
        if (at !== -1) {
          this.#journalWaiters.splice(at, 1);
          this.#journalWaitingBytes -= bytes;
        }
        resolve();
      }, JOURNAL_RETRY_MS).unref();
    });
  }

  /** A replayed message taken again once the journal is writable, acked as usual then. */
  #replayWhenJournalWritable(
    failure: JournalError | null,
    event: RelayMessageEvent,
    wire: string | undefined,
  ): DeferredAck {
    return ackAfter(
      this.#whenJournalWritable(failure, waitBytes(event, wire)).then(() =>
        this.#onMessage(event, true, wire),
      ),
    );
  }

  /** Every replayed message waiting for the journal goes on, in the order it came. */
  #wakeJournalWaiters(): void {
    const waiters = this.#journalWaiters;
    this.#journalWaiters = [];
    this.#journalWaitingBytes = 0;
    for (const w of waiters) w.wake();
  }

  /**
   * journal.durable() for a replayed item's ack, waiting through a spell of failed writes: the
   * item is acked once its record is on disk, on this link, not left for the next one.
   */
  async #durable(journal: TurnJournal<RelayMessageEvent>): Promise<void> {
    for (;;) {
      try {
        return await journal.durable();
      } catch (e) {
        if (!(e instanceof JournalError)) throw e;
        await this.#whenJournalWritable(e);
      }
    }
  }

  /** The head of a take record's wire text (see eventFromJournal), kept for the last platform. */
  #wireHead(platform: string): string {
    if (platform !== this.#headPlatform) {
      this.#headPlatform = platform;
      this.#head = `{"p":${JSON.stringify(platform)},"f":`;
    }
    return this.#head;
  }

  /** Run an authorized, recorded turn; record it finished unless the drain cut it off. */
  #runTurn(
    key: string,
    event: RelayMessageEvent,
    started = Date.now(),
    sessionKey = this.#deps.sessionKey(event),
  ): void {
    // Recorded finished before the turn settles in its session: the session's next reply may
    // leave right after, and the journal writes this record first (TurnJournal.beforeReply), or
    // right after it where a kill between the two re-answers no more (TurnJournal.afterReply).
    const recordEnd = (outcome: InboundOutcome): void =>
      recordTurnEnd(this.#journal, key, outcome, this.#log);
    startInboundTurn(event, this.#deps, sessionKey, recordEnd, (outcome) => {
      const ms = Date.now() - started;
      this.#metrics.turn(
        outcome.kind,
        outcome.kind === "denied" || outcome.kind === "draining" || outcome.kind === "cancelled"
          ? undefined
          : ms / 1000,
      );
      if (outcome.kind === "replied") {
        // Written out, not `{ ...fields, chunks }`: that shape costs ~1-2 µs on Node 20, per reply.
        if (this.#log.isLevelEnabled("info"))
          this.#log.info(
            {
              platform: event.source.platform,
              chatId: event.source.chat_id,
              ms,
              chunks: outcome.chunks,
            },
            "replied",
          );
        this.#notify(event, outcome);
        return;
      }
      const fields = { platform: event.source.platform, chatId: event.source.chat_id, ms };
      // An interrupt is the user's (or connector's) request, not a fault: info, not warn.
      if (outcome.kind === "failed" && outcome.code === "AGENT_ABORTED")
        this.#log.info({ ...fields, code: outcome.code }, "turn interrupted");
      // The adapter already logged the refusal (once); this is only the turn's end.
      else if (outcome.kind === "failed" && outcome.code === REPLY_DECLINED)
        this.#log.info(
          { ...fields, code: outcome.code },
          "reply declined by the connector; not resent",
        );
      else if (outcome.kind === "failed")
        this.#log.warn({ ...fields, code: outcome.code, err: outcome.message }, "turn failed");
      else if (outcome.kind === "cancelled")
        this.#log.info(fields, "turn stopped at the drain budget (runs again after the restart)");
      else if (outcome.kind === "denied")
        this.#log.warn({ ...fields, reason: outcome.reason }, "message denied");
      else
        this.#log.info(
          fields,
          outcome.kind === "empty" ? "agent gave an empty reply" : "turn refused: draining",
        );
      this.#notify(event, outcome);
    });
  }

  #notify(event: RelayMessageEvent, outcome: InboundOutcome | DroppedOutcome): void {
    try {
      this.#opts.onOutcome?.(event, outcome);
    } catch {
      // An observer never breaks the gateway.
    }
  }

  /**
   * Drain and stop. SIGINT/SIGTERM: ask the connector to buffer (`going_idle`) and keep
   * serving until it acks (≤ 10 s), stop taking turns, let running turns finish within
   * GATEWAY_DRAIN_TIMEOUT_MS then cancel them, close everything. Idempotent; resolves with
   * the exit code (0, or 3 after a revocation).
   */
  stop(reason: string): Promise<number> {
    this.#stopping ??= this.#stop(reason);
    return this.#stopping;
  }

  async #stop(reason: string): Promise<number> {
    const revoked = this.#revoked;
    this.#log.info({ reason }, revoked ? "stopping (relay disabled)" : "draining");
    // iMessage first: new messages stay with Photon (caught up after the restart), replies still go out.
    await this.#photon?.stopInbound();
    if (!revoked && this.#opts.config.relayEnabled.value) {
      const acked = await this.#adapter.goIdle(10_000);
      this.#log.info(
        { acked },
        acked
          ? "connector buffers new messages (going_idle acked)"
          : "no going_idle ack; closing anyway",
      );
    }
    const budget = revoked ? 0 : this.#opts.config.drainTimeoutMs.value;
    const drained = await this.#scheduler.drain(budget, undefined, () =>
      this.#adapter.abortPendingOutbound(),
    );
    if (!drained.finishedInBudget)
      this.#log.warn(
        { cancelled: drained.cancelled, notStarted: drained.notStarted, budgetMs: budget },
        "drain budget spent: running turns cancelled, queued ones not started (all run again after the restart)",
      );
    // Replayed messages still waiting for the journal are refused now (draining): unacked,
    // the connector replays them after the restart.
    this.#wakeJournalWaiters();
    await this.#adapter.disconnect();
    await this.#photon?.stop();
    this.#journal?.close();
    await this.#receiver?.close();
    await this.#health?.close();
    const code = revoked ? EXIT.revoked : EXIT.ok;
    this.#log.info({ code }, "stopped");
    this.#resolveExit(code);
    return code;
  }
}
