// What the gateway reports to its metrics, as plain events: turn outcomes, duplicates, sheds,
// outbound results. `GatewayMetrics` (metrics.ts, prom-client) records them when
// /metrics is served; `NO_METRICS` ignores them otherwise, so callers never check.
export const METRICS_PREFIX = "hermes_gateway_";

/** How a handled inbound message ended (`hermes_gateway_turns_total{outcome}`). */
export const TURN_OUTCOMES = [
  "replied",
  "empty",
  "denied",
  "failed",
  "cancelled",
  "draining",
  "shed",
  "duplicate",
] as const;
export type TurnOutcome = (typeof TURN_OUTCOMES)[number];

/** How one outbound request ended (`hermes_gateway_outbound_results_total{kind}`). */
export const OUTBOUND_KINDS = ["ok", "failed", "ambiguous", "unsupported", "declined"] as const;
export type OutboundKind = (typeof OUTBOUND_KINDS)[number];

export const LINK_STATES = ["connecting", "connected", "stopping", "disabled"] as const;
export type LinkState = (typeof LINK_STATES)[number];

/** What the gauges show, read from the runtime at scrape time. */
export interface MetricsSnapshot {
  readonly linkState: LinkState;
  /** Dials since start (monotonic). */
  readonly dials: number;
  /** Link closes since start, by WebSocket close code (monotonic counts). */
  readonly closeCodes: Readonly<Record<string, number>>;
  /** Turns accepted but not started yet (waiting behind their session's running turn). */
  readonly queueDepth: number;
  readonly turnsInFlight: number;
  /**
   * Replayed messages taken off the link that wait for room in a full turn queue: not queued,
   * not acked yet. The link handles its messages in order, so this is 0 or 1; the messages behind
   * the waiting one wait in the link's inbox and are not counted.
   */
  readonly waitingForRoom: number;
  /** 1 while the turn journal takes writes (or there is none), 0 while its writes fail (a full disk). */
  readonly journalWritable: number;
}

/** The events the gateway reports. Every method is cheap and never throws. */
export interface MetricsRecorder {
  /** One handled inbound message; `seconds` (when it ran) feeds the latency histogram. */
  turn(outcome: TurnOutcome, seconds?: number): void;
  /** An inbound message dropped as already seen (also counted as turn outcome `duplicate`). */
  duplicate(): void;
  /** An inbound message refused because a queue bound was reached (turn outcome `shed`). */
  shed(): void;
  outbound(kind: OutboundKind): void;
}

/** The recorder when no metrics are served. */
export const NO_METRICS: MetricsRecorder = { turn() {}, duplicate() {}, shed() {}, outbound() {} };

/** Classify an outbound result dict (docs/contract/relay.md#outbound-results) for `outbound(kind)`. */
export function outboundKind(result: {
  readonly success?: boolean;
  readonly ambiguous?: boolean;
  readonly [key: string]: unknown;
}): OutboundKind {
  if (result.success === true) return "ok";
  if (result.unsupported === true) return "unsupported";
  if (result.code === "egress_declined") return "declined";
  if (result.ambiguous === true) return "ambiguous";
  return "failed";
}
