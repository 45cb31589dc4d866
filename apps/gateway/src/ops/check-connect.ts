// `hermes-gateway run --check --connect`: one dial with the resolved configuration (the
// shared `checkRelayConnection` of @hermes/relay-adapter, also behind `hermes gateway status
// --check`). Exit codes as `run`: 0 handshaken, 1 unreachable / no handshake in time /
// expired token, 3 secret refused.
import { displayUrl } from "@hermes/settings";
import { checkRelayConnection, type WebSocketRelayTransportOptions } from "@hermes/relay-adapter";
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

export async function checkConnect(
  config: GatewayConfig,
  opts: ConnectCheckOptions,
): Promise<ConnectCheckResult> {
  const check = await checkRelayConnection({
    url: config.relayUrl.value ?? "",
    gatewayId: config.relayId.value,
    secret: config.relaySecret.value,
    identities: relayIdentities(config),
    timeoutMs: opts.timeoutMs,
    display: displayUrl,
    ...(opts.now === undefined ? {} : { now: opts.now }),
    ...(opts.transport === undefined ? {} : { transport: opts.transport }),
  });
  const code =
    check.outcome === "connected"
      ? EXIT.ok
      : check.outcome === "revoked"
        ? EXIT.revoked
        : EXIT.failure;
  return { code, lines: check.lines };
}
