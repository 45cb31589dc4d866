// Random tokens the reference connector mints. A module of its own so that the connector and
// its HTTP side can both use it without importing each other.

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
}

/** A fresh random secret (hex), as enroll / provision mint them. */
export function mintSecret(): string {
  return randomHex(32);
}
