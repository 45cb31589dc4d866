// One diagnostic dial: connect with the given credentials, wait for the handshake (every
// identity's hello answered by a descriptor), summarize what the connector declared, measure
// the round trip, disconnect. Never retries (reconnect off) and never waits past the timeout.
// Shared by `hermes-gateway run --check --connect` and `hermes gateway status --check`.
import type { Descriptor } from "../protocol/index.js";
import { RelayConnectError } from "./errors.js";
import type { RelayIdentity } from "./types.js";
import {
  WebSocketRelayTransport,
  type WebSocketRelayTransportOptions,
} from "./websocket-transport.js";

export interface RelayConnectionCheckOptions {
  readonly url: string;
  readonly gatewayId: string;
  readonly secret: string | null;
  readonly identities: readonly RelayIdentity[];
  readonly timeoutMs: number;
  /** How a URL is shown (default: scheme, host and path only: no userinfo, query or fragment). */
  readonly display?: (url: string) => string;
  /** Monotonic milliseconds (injected for tests). */
  readonly now?: () => number;
  /** Overrides for the transport (tests). */
  readonly transport?: Partial<WebSocketRelayTransportOptions>;
}

/**
 * `connected`: handshaken; `revoked`: the connector refused the secret (4401); `expired`: it
 * says the upgrade token expired (a clock problem); `timeout` / `unreachable`: no handshake.
 */
export type RelayConnectionOutcome =
  "connected" | "revoked" | "expired" | "timeout" | "unreachable";

export interface RelayConnectionCheck {
  readonly outcome: RelayConnectionOutcome;
  /** Human-readable lines, `✓`/`✗` first; never a secret. */
  readonly lines: readonly string[];
}

function safeDisplay(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(unparseable URL)";
  }
}

/** Ops listed by name in a descriptor summary; the rest are counted. */
const SHOWN_OPS = 32;

/**
 * Text from the connector made safe to print on a terminal: control characters (escape
 * sequences could clear the screen or retitle the window) and bidi overrides replaced, and the
 * length capped. Every string a connector chose goes through it (descriptor, close reason).
 */
function shown(text: string, max = 64): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it removes
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, " ");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

function describeDescriptor(d: Descriptor): string[] {
  const ops =
    d.supported_ops.length === 0
      ? "(none listed: the legacy default set)"
      : d.supported_ops
          .slice(0, SHOWN_OPS)
          .map((op) => shown(op))
          .join(", ") +
        (d.supported_ops.length > SHOWN_OPS
          ? ` … (${d.supported_ops.length - SHOWN_OPS} more)`
          : "");
  return [
    `  platform            ${shown(d.platform)}${d.label ? ` (${shown(d.label)})` : ""}`,
    `  max_message_length  ${d.max_message_length}`,
    `  len_unit            ${shown(d.len_unit)}`,
    `  supported ops       ${ops}`,
  ];
}

export async function checkRelayConnection(
  opts: RelayConnectionCheckOptions,
): Promise<RelayConnectionCheck> {
  const now = opts.now ?? (() => performance.now());
  const transport = new WebSocketRelayTransport({
    url: opts.url,
    gatewayId: opts.gatewayId,
    secret: opts.secret,
    identities: [...opts.identities],
    reconnect: false,
    handshakeTimeoutMs: opts.timeoutMs,
    ...opts.transport,
  });
  const target = (opts.display ?? safeDisplay)(transport.dialUrl);
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  // Held (not unref'd) on purpose: this timer is what bounds the check.
  const timedOut = new Promise<"timeout">(
    (resolve) => (timer = setTimeout(() => resolve("timeout"), opts.timeoutMs)),
  );
  let outcome: Descriptor | "timeout" | RelayConnectError | Error;
  try {
    outcome = await Promise.race([transport.connect(), timedOut]);
  } catch (e) {
    outcome = e instanceof Error ? e : new Error(String(e));
  } finally {
    clearTimeout(timer);
  }
  const elapsedMs = Math.round(now() - started);
  const state = transport.state;
  await transport.disconnect({ budgetMs: 2_000 }).catch(() => undefined);

  if (typeof outcome === "object" && !(outcome instanceof Error)) {
    const lines = [
      `✓ connected to ${target} as ${opts.gatewayId}: handshake round trip ${elapsedMs} ms (dial → descriptor)`,
    ];
    opts.identities.forEach((id, i) => {
      const d = transport.descriptorFor(id.platform) ?? (i === 0 ? outcome : undefined);
      if (d === undefined) lines.push(`  ${id.platform}: no descriptor from the connector`);
      else lines.push(...describeDescriptor(d)); // parsed by the transport already
    });
    lines.push("✓ disconnected");
    return { outcome: "connected", lines };
  }
  if (state.lastCloseCode === 4401 && state.lastCloseReason !== "expired") {
    return {
      outcome: "revoked",
      lines: [
        `✗ the connector at ${target} refused the secret of ${opts.gatewayId} (close 4401 ${shown(state.lastCloseReason ?? "", 123)}).`.replace(
          " )",
          ")",
        ),
        "  The secret is revoked or not (yet) known to the connector: re-enroll with `hermes gateway enroll`, or check GATEWAY_RELAY_ID and GATEWAY_RELAY_SECRET.",
      ],
    };
  }
  if (state.lastCloseCode === 4401) {
    return {
      outcome: "expired",
      lines: [
        `✗ the connector at ${target} says the upgrade token expired (4401 expired): check this machine's clock.`,
      ],
    };
  }
  if (outcome === "timeout") {
    return {
      outcome: "timeout",
      lines: [
        `✗ no handshake with ${target} within ${opts.timeoutMs} ms: is the connector up and reachable from here?`,
      ],
    };
  }
  const why = state.lastCloseReason
    ? `${shown(state.lastCloseReason, 123)}${state.lastCloseCode !== null ? ` (close ${state.lastCloseCode})` : ""}`
    : shown(outcome.message, 500);
  return { outcome: "unreachable", lines: [`✗ cannot reach the connector at ${target}: ${why}`] };
}
