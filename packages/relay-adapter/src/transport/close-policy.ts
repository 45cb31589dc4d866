// What follows a closed (or failed) dial (docs/contract/relay.md#reconnect-and-close-codes), as a pure decision so
// every branch can be tested without a socket: latch the revocation, confirm a 4401 with one
// immediate re-dial on a fresh token, re-dial on the dormant cadence, or back off (with the
// log level that fits how many dials in a row failed).
import type { RelayLogLevel } from "../logger.js";

/**
 * Failed dials in a row (no handshake yet) from which the failure line is logged at warn,
 * then at error. A daemon's first failures are routine (connector restarting); many in a row
 * need an operator.
 */
export const DIAL_FAILURES_WARN_FROM = 3;
export const DIAL_FAILURES_ERROR_FROM = 10;
/** 4401 refusals before any handshake after which the secret is probably wrong (logged at error). */
export const REFUSALS_ERROR_FROM = 3;

export interface CloseFacts {
  code: number;
  reason: string;
  /** This link completed a handshake. */
  handshaken: boolean;
  /** Some link of this transport completed a handshake before. */
  everHandshaken: boolean;
  /** A 4401 after a handshake is being confirmed by a fresh re-dial. */
  provisional401: boolean;
  /** The gateway closed this link on purpose to go dormant (scale to zero). */
  dormant: boolean;
  /** Dials in a row that ended before a handshake, this one included. */
  failures: number;
  /** 4401 refusals in a row before any handshake, this one included. */
  refusals: number;
}

export type CloseDecision =
  | { kind: "revoke" }
  /** Re-dial now with a fresh token: a second refusal latches the revocation. */
  | { kind: "confirm-401" }
  /** Re-dial on the dormant cadence (held while a suspend is in flight). */
  | { kind: "dormant" }
  /** Re-dial after the backoff, logging `line(then)` at `level`. */
  | { kind: "backoff"; level: RelayLogLevel; line: (then: string) => string };

/** 4401 with reason "expired" is an aged token, never a refusal of the secret. */
export function isRefusal(code: number, reason: string): boolean {
  return code === 4401 && reason !== "expired";
}

export function decideAfterClose(f: CloseFacts): CloseDecision {
  const closed = `${f.code}${f.reason ? ` ${f.reason}` : ""}`;
  const refused = isRefusal(f.code, f.reason);
  if (refused && f.provisional401) return { kind: "revoke" };
  if (refused && f.everHandshaken) return { kind: "confirm-401" };
  if (f.dormant && f.handshaken && !refused) return { kind: "dormant" };
  if (f.handshaken)
    return {
      kind: "backoff",
      level: "warn",
      line: (then) => `relay link closed (${closed}); ${then}`,
    };
  if (refused && f.refusals >= REFUSALS_ERROR_FROM) {
    return {
      kind: "backoff",
      level: "error",
      line: (then) =>
        `relay connector refused this gateway's secret (${closed}) ${f.refusals} times in a row before any handshake: ` +
        `the secret may be wrong or not yet provisioned; re-enroll with \`hermes gateway enroll\` if it persists; ${then}`,
    };
  }
  const level: RelayLogLevel =
    f.failures >= DIAL_FAILURES_ERROR_FROM
      ? "error"
      : f.failures >= DIAL_FAILURES_WARN_FROM
        ? "warn"
        : "info";
  return {
    kind: "backoff",
    level,
    line: (then) => `relay dial failed (${closed}; ${f.failures} in a row); ${then}`,
  };
}
