// Why `connect()` of a transport did not produce a handshake. Messages never carry tokens.

export type RelayConnectErrorCode =
  /** `disconnect()` was called before a handshake completed. */
  | "RELAY_CLOSED"
  /** The secret was revoked (4401 confirmed by a fresh re-dial); the transport stopped dialing. */
  | "RELAY_REVOKED"
  /** The dial or the handshake failed and reconnecting is off. */
  | "RELAY_DIAL_FAILED";

export class RelayConnectError extends Error {
  constructor(
    readonly code: RelayConnectErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "RelayConnectError";
  }
}
