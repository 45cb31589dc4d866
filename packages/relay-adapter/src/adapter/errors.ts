import type { AdapterFatalError } from "./platform-adapter.js";

/** Text the host shows when the relay credential was revoked (docs/contract/relay.md#revocation). */
export const RELAY_DISABLED_MESSAGE =
  "Relay disabled (opted out — recreate the instance to re-enable)";

/**
 * The connector revoked this gateway's secret (a 4401 after a handshake, confirmed by one
 * fresh re-dial). Non-retryable: the credential never comes back; recreate the instance (or
 * re-enroll) to re-enable the relay.
 */
export class RelayDisabledError extends Error implements AdapterFatalError {
  readonly code = "relay_disabled" as const;
  readonly retryable = false;
  constructor() {
    super(RELAY_DISABLED_MESSAGE);
    this.name = "RelayDisabledError";
  }
}
