// Classifying an `outbound_result` (docs/contract/relay-routing.md#4-refusals; upstream
// `gateway/relay/egress.py`). A connector refuses a destination it cannot tie to this
// gateway's tenant with a DEFINITE failure carrying `code: "egress_declined"` (older
// connectors: only the uniform text "<platform> egress declined: …"). A refusal is an
// authorization decision: it is reported, never retried, and never re-sent through another op
// (a media send falling back to text, a draft falling back to a send) — that would deliver
// the refused content anyway. An ambiguous result (written, unanswered) is a transport
// outcome and never a refusal, whatever its text says.
import type { OutboundResult } from "./types.js";

/** The `code` a connector stamps on a refused destination. */
export const EGRESS_DECLINE_CODE = "egress_declined";
/** The fallback signal: the connector's uniform refusal text (matched case-insensitively, never parsed further). */
const EGRESS_DECLINE_MARKER = "egress declined:";

/**
 * - `delivered`: the connector applied it.
 * - `declined`: the connector refused the destination (do not retry, do not fall back).
 * - `ambiguous`: written but unanswered (timeout, abort, link lost after writing): it may have
 *   been applied; do not blindly resend.
 * - `unsupported`: answered locally, the connector does not support the op (nothing sent).
 * - `not_sent`: nothing left the gateway (not connected, closed, aborted before sending).
 * - `failed`: the connector answered with any other failure.
 */
export type OutboundOutcome =
  "delivered" | "declined" | "ambiguous" | "unsupported" | "not_sent" | "failed";

const NOT_SENT_ERRORS = new Set([
  "relay transport not connected",
  "relay transport closed",
  "relay outbound aborted before it was sent",
]);

/** True when `result` is the connector refusing the destination (definite, with the code or the uniform text). */
export function isEgressDecline(result: unknown): boolean {
  if (typeof result !== "object" || result === null) return false;
  const r = result as OutboundResult;
  if (r.success === true || r.ambiguous === true) return false;
  if (r["code"] === EGRESS_DECLINE_CODE) return true;
  return typeof r.error === "string" && r.error.toLowerCase().includes(EGRESS_DECLINE_MARKER);
}

export function classifyOutboundResult(result: unknown): OutboundOutcome {
  if (typeof result !== "object" || result === null) return "failed";
  const r = result as OutboundResult;
  if (r.success === true) return "delivered";
  if (r.ambiguous === true) return "ambiguous";
  if (isEgressDecline(r)) return "declined";
  if (r["unsupported"] === true) return "unsupported";
  if (typeof r.error === "string" && NOT_SENT_ERRORS.has(r.error)) return "not_sent";
  return "failed";
}
