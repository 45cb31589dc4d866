import { createHmac, timingSafeEqual } from "node:crypto";
import { isHex } from "./bytes.js";

/** The parts a signed message is made of; hashed in order without concatenating copies. */
export type Message = string | Uint8Array | readonly (string | Uint8Array)[];

/** Lowercase hex HMAC-SHA256 of `message` under the UTF-8 bytes of `secret` (never hex-decoded). */
export function hmacHex(message: Message, secret: string): string {
  // node:crypto takes a string key and string parts as UTF-8 (lone surrogates become U+FFFD,
  // exactly as Buffer.from(…, "utf8") does), without an intermediate Buffer per call. Hex
  // straight from digest() also skips the Buffer that digest() would allocate.
  const mac = createHmac("sha256", secret);
  if (typeof message === "string" || message instanceof Uint8Array) {
    mac.update(message);
  } else {
    for (const part of message) mac.update(part);
  }
  return mac.digest("hex");
}

function assertSecret(secret: unknown): asserts secret is string {
  if (typeof secret !== "string") {
    throw new TypeError(
      "relay-crypto: the secret must be a string (its UTF-8 bytes are the HMAC key)",
    );
  }
}

/** Lowercase hex HMAC-SHA256 of `payload` under `secret`: the connector's `sign`. */
export function sign(payload: string | Uint8Array, secret: string): string {
  assertSecret(secret);
  return hmacHex(payload, secret);
}

/** Hex digits of one HMAC-SHA256. */
const HMAC_HEX_LENGTH = 64;

/**
 * Constant-time check that `sigHex` is the HMAC of `message` under any non-empty secret of the
 * verify list (primary first, then older ones during a rotation window). Never throws.
 */
export function verifyMessage(message: Message, sigHex: unknown, secrets: unknown): boolean {
  if (!isHex(sigHex) || !Array.isArray(secrets)) return false;
  // Whole hex bytes of another length can never match; saying so early reveals only the
  // length of the caller's own input.
  if (sigHex.length !== HMAC_HEX_LENGTH) return false;
  // Compared as lowercase hex text: the same 32 bytes spelled out, compared in constant time.
  // Lowercasing depends only on the presented signature, never on a secret.
  const given = Buffer.from(sigHex.toLowerCase(), "latin1");
  let ok = false;
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length === 0) continue;
    const expected = Buffer.from(hmacHex(message, secret), "latin1");
    // Keep going after a match so the time taken does not reveal which secret matched.
    if (timingSafeEqual(expected, given)) ok = true;
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
