import { nowSeconds, parseInteger } from "./bytes.js";
import { hmacHex, verifyMessage } from "./hmac.js";
import type { Clock } from "./token.js";

/** Header carrying the delivery timestamp (unix seconds, decimal). */
export const DELIVERY_TS_HEADER = "x-relay-timestamp";
/** Header carrying the delivery signature (hex HMAC-SHA256). */
export const DELIVERY_SIG_HEADER = "x-relay-signature";
/** Default replay window for a delivery signature, in seconds. */
export const DEFAULT_MAX_SKEW_SECONDS = 300;

/**
 * The connector half: sign a delivery body (the exact bytes that will be sent) with the
 * per-tenant delivery key. Send the result as {@link DELIVERY_TS_HEADER} / {@link DELIVERY_SIG_HEADER}.
 */
export function signDelivery(
  body: string | Uint8Array,
  key: string,
  opts: Clock = {},
): { timestamp: string; signature: string } {
  if (typeof key !== "string") {
    throw new TypeError(
      "relay-crypto: the delivery key must be a string (its UTF-8 bytes are the HMAC key)",
    );
  }
  if (typeof body !== "string" && !(body instanceof Uint8Array)) {
    throw new TypeError("relay-crypto: the delivery body must be a string or bytes");
  }
  const timestamp = nowSeconds(opts?.now).toString();
  return { timestamp, signature: hmacHex([`${timestamp}.`, body], key) };
}

/**
 * The gateway half: verify `HMAC(key, timestamp + "." + body)` over the EXACT raw body (never a
 * re-serialization) against a verify list, within `maxSkewSeconds` (default 300; exactly 300
 * passes) of now. Missing or malformed input gives `false`; never throws.
 */
export function verifyDeliverySignature(
  body: string | Uint8Array,
  timestamp: string | null | undefined,
  signature: string | null | undefined,
  verifyKeys: readonly string[],
  opts: { maxSkewSeconds?: number } & Clock = {},
): boolean {
  if (typeof body !== "string" && !(body instanceof Uint8Array)) return false;
  if (!timestamp || !signature) return false;
  const ts = parseInteger(timestamp);
  if (ts === null) return false;
  const maxSkew = opts?.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
  if (typeof maxSkew !== "number" || !Number.isFinite(maxSkew) || maxSkew < 0) return false;
  const skew = nowSeconds(opts?.now) - ts;
  if ((skew < 0n ? -skew : skew) > BigInt(Math.floor(maxSkew))) return false;
  return verifyMessage([`${ts}.`, body], signature, verifyKeys);
}
