// Random credentials as the reference connector mints them (enroll / provision / control token).

export function randomHex(bytes: number): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
}

/** A fresh random secret (hex), as enroll / provision mint them. */
export function mintSecret(): string {
  return randomHex(32);
}
