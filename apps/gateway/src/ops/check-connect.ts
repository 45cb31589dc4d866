// `hermes-gateway run --check --connect`: one dial with the resolved configuration, the
// handshake, a summary of what the connector declared, the round trip, and a clean
// disconnect. Never retries (reconnect off) and never waits longer than the timeout.
// Exit codes as `run`: 0 handshaken, 1 unreachable / no handshake in time, 3 secret refused.
import { displayUrl } from "@hermes/settings";
import { RelayConnectError, WebSocketRelayTransport, type Descriptor, type WebSocketRelayTransportOptions } from "@hermes/relay-adapter";
import type { GatewayConfig } from "../config/resolve.js";
import { EXIT, relayIdentities } from "../runtime/gateway.js";

export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

export interface ConnectCheckOptions {
  readonly timeoutMs: number;
  /** Monotonic milliseconds (injected for tests). */
  readonly now?: () => number;
  /** Overrides for the transport (tests). */
  readonly transport?: Partial<WebSocketRelayTransportOptions>;
}

export interface ConnectCheckResult {
  readonly code: number;
  /** Human-readable lines (secrets never included). */
  readonly lines: readonly string[];
}


function describeDescriptor(d: Descriptor): string[] {
  const ops = d.supported_ops.length === 0 ? "(none listed: the legacy default set)" : d.supported_ops.join(", ");
  return [
    `  platform            ${d.platform}${d.label ? ` (${d.label})` : ""}`,
    `  max_message_length  ${d.max_message_length}`,
    `  len_unit            ${d.len_unit}`,
    `  supported ops       ${ops}`,
  ];
}

export async function checkConnect(config: GatewayConfig, opts: ConnectCheckOptions): Promise<ConnectCheckResult> {
  const now = opts.now ?? (() => performance.now());
  const identities = relayIdentities(config);
  const transport = new WebSocketRelayTransport({
    url: config.relayUrl.value ?? "",
    gatewayId: config.relayId.value,
    secret: config.relaySecret.value,
    identities,
    reconnect: false,
    handshakeTimeoutMs: opts.timeoutMs,
    ...opts.transport,
  });
  const target = displayUrl(transport.dialUrl);
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  // Held (not unref'd) on purpose: this timer is what bounds the check.
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), opts.timeoutMs)));
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
    const lines = [`✓ connected to ${target} as ${config.relayId.value}: handshake round trip ${elapsedMs} ms (dial → descriptor)`];
    for (const id of identities) {
      const d = transport.descriptorFor(id.platform) ?? (id === identities[0] ? outcome : undefined);
      if (d === undefined) lines.push(`  ${id.platform}: no descriptor from the connector`);
      else lines.push(...describeDescriptor(d)); // parsed by the transport already
    }
    lines.push("✓ disconnected");
    return { code: EXIT.ok, lines };
  }
  if (state.lastCloseCode === 4401 && state.lastCloseReason !== "expired") {
    return {
      code: EXIT.revoked,
      lines: [
        `✗ the connector at ${target} refused the secret of ${config.relayId.value} (close 4401 ${state.lastCloseReason ?? ""}).`.replace(" )", ")"),
        "  The secret is revoked or not (yet) known to the connector: re-enroll with `hermes gateway enroll`, or check GATEWAY_RELAY_ID and GATEWAY_RELAY_SECRET.",
      ],
    };
  }
  if (state.lastCloseCode === 4401) {
    return { code: EXIT.failure, lines: [`✗ the connector at ${target} says the upgrade token expired (4401 expired): check this machine's clock.`] };
  }
  if (outcome === "timeout") {
    return { code: EXIT.failure, lines: [`✗ no handshake with ${target} within ${opts.timeoutMs} ms (--timeout): is the connector up and reachable from here?`] };
  }
  const why = state.lastCloseReason ? `${state.lastCloseReason}${state.lastCloseCode !== null ? ` (close ${state.lastCloseCode})` : ""}` : outcome.message;
  return { code: EXIT.failure, lines: [`✗ cannot reach the connector at ${target}: ${why}`] };
}
