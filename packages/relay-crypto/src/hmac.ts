import { createHmac, timingSafeEqual } from "node:crypto";
import { parseHex } from "./bytes.js";

/** The parts a signed message is made of; hashed in order without concatenating copies. */
export type Message = string | Uint8Array | readonly (string | Uint8Array)[];

/** HMAC-SHA256 of `message` under the UTF-8 bytes of `secret` (never hex-decoded). */
export function hmacDigest(message: Message, secret: string): Buffer {
  // node:crypto takes a string key and string parts as UTF-8 (lone surrogates become U+FFFD,
  // exactly as Buffer.from(…, "utf8") does), without an intermediate Buffer per call.
  const mac = createHmac("sha256", secret);
  if (typeof message === "string" || message instanceof Uint8Array) {
    mac.update(message);
  } else {
    for (const part of message) mac.update(part);
  }
  return mac.digest();
}

function assertSecret(secret: unknown): asserts secret is string {
  if (typeof secret !== "string") {
    throw new TypeError("relay-crypto: the secret must be a string (its UTF-8 bytes are the HMAC key)");
  }
}

/** Lowercase hex HMAC-SHA256 of `payload` under `secret`: the connector's `sign`. */
export function sign(payload: string | Uint8Array, secret: string): string {
  assertSecret(secret);
  return hmacDigest(payload, secret).toString("hex");
}

/**
 * Constant-time check that `sigHex` is the HMAC of `message` under any non-empty secret of the
 * verify list (primary first, then older ones during a rotation window). Never throws.
 */
export function verifyMessage(message: Message, sigHex: unknown, secrets: unknown): boolean {
  const signature = parseHex(sigHex);
  if (signature === null || !Array.isArray(secrets)) return false;
  let ok = false;
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length === 0) continue;
    const expected = hmacDigest(message, secret);
    if (expected.length !== signature.length) continue;
    // Keep going after a match so the time taken does not reveal which secret matched.
    if (timingSafeEqual(expected, signature)) ok = true;
  }
  return ok;
}

/** `verifySignature(payload, sigHex, secrets)`: the connector's multi-secret check. */
export function verifySignature(
  payload: string | Uint8Array,
  sigHex: string,
  secrets: readonly string[],
): boolean {
  if (typeof payload !== "string" && !(payload instanceof Uint8Array)) return false;
  return verifyMessage(payload, sigHex, secrets);
}

/** True only for a string with at least one non-whitespace character. */
export function isUsableSecret(value: unknown): boolean {
  return typeof value === "string" && value.trim().length > 0;
}
