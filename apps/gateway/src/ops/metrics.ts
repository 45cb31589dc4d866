// The gateway's Prometheus metrics (`GET /metrics`), through prom-client on a PRIVATE
// registry: nothing else in the process (a bundled library, a test) can add to or reset what
// the gateway exposes. Events are pushed through small methods (`turn`, `duplicate`, `shed`,
// `outbound`) from wherever they happen; what mirrors runtime state (link state, dials,
// closes by code, queue depth) are read through one `collect` callback at scrape time, so the
// runtime never has to remember to update them.
//
// prom-client costs tens of milliseconds to load, so this module is imported only when the
// health port is set (nothing could scrape it otherwise): see metrics-events.ts for the
// recorder interface the rest of the gateway uses, and its no-op.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import {
  LINK_STATES,
  METRICS_PREFIX,
  OUTBOUND_KINDS,
  TURN_OUTCOMES,
  type MetricsRecorder,
  type MetricsSnapshot,
  type OutboundKind,
  type TurnOutcome,
} from "./metrics-events.js";

export interface GatewayMetricsOptions {
  readonly collect: () => MetricsSnapshot;
  /** Shown as `hermes_gateway_info{version}`. */
  readonly version: string;
  /** prom-client's process metrics (CPU, RSS, event-loop lag, GC, handles). Default true. */
  readonly processMetrics?: boolean;
}

/** Index of each outcome / kind in the tallies below. */
const TURN_INDEX = Object.fromEntries(TURN_OUTCOMES.map((o, i) => [o, i])) as Record<
  TurnOutcome,
  number
>;
const OUTBOUND_INDEX = Object.fromEntries(OUTBOUND_KINDS.map((k, i) => [k, i])) as Record<
  OutboundKind,
  number
>;

/** Turn latency buckets, seconds: agents answer in tens of milliseconds (echo) up to minutes (LLMs). */
const LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class GatewayMetrics implements MetricsRecorder {
  readonly registry = new Registry();
  readonly #latency: Histogram<"outcome">;
  readonly #duplicates: Counter;
  /**
   * Turns and outbound results counted since the last scrape, by index of TURN_OUTCOMES /
   * OUTBOUND_KINDS, added to the counters when they are collected: a labelled prom-client
   * `inc` hashes its label set on every call, twice per message on a busy gateway.
   */
  readonly #turnTally = new Float64Array(TURN_OUTCOMES.length);
  readonly #outboundTally = new Float64Array(OUTBOUND_KINDS.length);

  constructor(opts: GatewayMetricsOptions) {
    const registers = [this.registry];
    const snapshot = opts.collect; // cheap reads of runtime state, once per gauge per scrape
    new Gauge({
      name: `${METRICS_PREFIX}info`,
      help: "Always 1; the version of the running gateway as a label.",
      labelNames: ["version"],
      registers,
    }).set({ version: opts.version }, 1);
    new Gauge({
      name: `${METRICS_PREFIX}link_state`,
      help: "1 for the relay link's current state, 0 for the others.",
      labelNames: ["state"],
      registers,
      collect() {
        const current = snapshot().linkState;
        for (const state of LINK_STATES) this.set({ state }, state === current ? 1 : 0);
      },
    });
    let dialsSeen = 0;
    new Counter({
      name: `${METRICS_PREFIX}dials_total`,
      help: "Dials of the relay link (first dial and every re-dial).",
      registers,
      collect() {
        const dials = snapshot().dials;
        if (dials > dialsSeen) this.inc(dials - dialsSeen);
        dialsSeen = Math.max(dialsSeen, dials);
      },
    });
    const closesSeen = new Map<string, number>();
    new Counter({
      name: `${METRICS_PREFIX}link_closes_total`,
      help: "Closes of the relay link, by WebSocket close code.",
      labelNames: ["code"],
      registers,
      collect() {
        for (const [code, n] of Object.entries(snapshot().closeCodes)) {
          const seen = closesSeen.get(code) ?? 0;
          if (n > seen) this.inc({ code }, n - seen);
          closesSeen.set(code, Math.max(seen, n));
        }
      },
    });
    const turnTally = this.#turnTally;
    const turns = new Counter({
      name: `${METRICS_PREFIX}turns_total`,
      help: "Inbound messages handled, by outcome.",
      labelNames: ["outcome"],
      registers,
      collect() {
        addTally(this, "outcome", TURN_OUTCOMES, turnTally);
      },
    });
    for (const outcome of TURN_OUTCOMES) turns.inc({ outcome }, 0); // every series present from the first scrape
    this.#latency = new Histogram({
      name: `${METRICS_PREFIX}turn_duration_seconds`,
      help: "Time from accepting an inbound message to its outcome (agent and sends included), by outcome.",
      labelNames: ["outcome"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const stateGauge = (name: string, help: string, read: (s: MetricsSnapshot) => number) =>
      new Gauge({
        name: `${METRICS_PREFIX}${name}`,
        help,
        registers,
        collect() {
          this.set(read(snapshot()));
        },
      });
    stateGauge(
      "queue_depth",
      "Turns accepted and waiting for their session's running turn.",
      (s) => s.queueDepth,
    );
    stateGauge("turns_in_flight", "Turns running now.", (s) => s.turnsInFlight);
    stateGauge(
      "replays_waiting_for_room",
      "1 while the link's replay is held by a full turn queue (a replayed message waiting for room, not acked; the link's later messages wait behind it), else 0.",
      (s) => s.waitingForRoom,
    );
    stateGauge(
      "journal_writable",
      "1 while the turn journal takes writes, 0 while they fail (a full disk: new turns are answered without their crash-safe record, replayed ones stay with the connector).",
      (s) => s.journalWritable,
    );
    this.#duplicates = new Counter({
      name: `${METRICS_PREFIX}duplicates_dropped_total`,
      help: "Inbound messages dropped as already seen (at-least-once redelivery).",
      registers,
    });
    const outboundTally = this.#outboundTally;
    const outbound = new Counter({
      name: `${METRICS_PREFIX}outbound_results_total`,
      help: "Outbound requests to the connector, by result kind.",
      labelNames: ["kind"],
      registers,
      collect() {
        addTally(this, "kind", OUTBOUND_KINDS, outboundTally);
      },
    });
    for (const kind of OUTBOUND_KINDS) outbound.inc({ kind }, 0);
    if (opts.processMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX });
  }

  /** One handled inbound message; `seconds` (when it ran) feeds the latency histogram. */
  turn(outcome: TurnOutcome, seconds?: number): void {
    this.#turnTally[TURN_INDEX[outcome]]!++;
    if (seconds !== undefined && Number.isFinite(seconds) && seconds >= 0)
      this.#latency.observe({ outcome }, seconds);
  }

  /** An inbound message dropped as a duplicate (counted as a turn outcome too). */
  duplicate(): void {
    this.#duplicates.inc();
    this.#turnTally[TURN_INDEX.duplicate]!++;
  }

  /** An inbound message refused because a queue bound was reached. */
  shed(): void {
    this.#turnTally[TURN_INDEX.shed]!++;
  }

  outbound(kind: OutboundKind): void {
    this.#outboundTally[OUTBOUND_INDEX[kind]]!++;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Add what was tallied since the last scrape to `counter`, one labelled series per name. */
function addTally<L extends string>(
  counter: Counter<L>,
  label: L,
  names: readonly string[],
  tally: Float64Array,
): void {
  for (let i = 0; i < names.length; i++) {
    const n = tally[i]!;
    if (n === 0) continue;
    tally[i] = 0;
    counter.inc({ [label]: names[i]! } as Partial<Record<L, string>>, n);
  }
}
