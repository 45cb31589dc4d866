import {
  decodeBase64Url,
  decodeUtf8,
  nowSeconds,
  nowWholeSeconds,
  parseCanonicalSafeInteger,
  parseInteger,
} from "./bytes.js";
import { hmacHex, verifyMessage } from "./hmac.js";

/** Default lifetime of a WebSocket upgrade token, in seconds (the connector's default). */
export const DEFAULT_UPGRADE_TTL_SECONDS = 300;

/**
 * An injectable clock: the current time in MILLISECONDS since the epoch, like `Date.now()` (the
 * unit every Hermes package uses). Defaults to `Date.now()`. Tokens carry whole seconds.
 */
export interface Clock {
  now?: number;
}

function expiry(ttlSeconds: number | undefined, now: number | undefined): bigint {
  if (typeof ttlSeconds !== "number" || !(ttlSeconds > 0) || !Number.isFinite(ttlSeconds))
    return 0n;
  return nowSeconds(now) + BigInt(Math.floor(ttlSeconds));
}

/**
 * A signed, optionally expiring token: `base64url(payload + ":" + exp + ":" + hexsig)` without
 * padding, where `exp` is unix seconds (`0` = never) and `hexsig = HMAC(secret, payload + ":" + exp)`.
 */
export function makeToken(
  payload: string,
  secret: string,
  ttlSeconds = 0,
  opts: Clock = {},
): string {
  if (typeof payload !== "string")
    throw new TypeError("relay-crypto: the token payload must be a string");
  if (typeof secret !== "string") {
    throw new TypeError(
      "relay-crypto: the secret must be a string (its UTF-8 bytes are the HMAC key)",
    );
  }
  const signed = `${payload}:${expiry(ttlSeconds, opts?.now)}`;
  const sig = hmacHex(signed, secret);
  return Buffer.from(`${signed}:${sig}`, "utf8").toString("base64url");
}

/** The bearer token a gateway presents on the `/relay` WebSocket upgrade (`payload = gatewayId`). */
export function makeUpgradeToken(
  gatewayId: string,
  secret: string,
  ttlSeconds: number = DEFAULT_UPGRADE_TTL_SECONDS,
  opts: Clock = {},
): string {
  return makeToken(gatewayId, secret, ttlSeconds, opts);
}

/**
 * Verify a token from {@link makeToken} against a verify list; returns the payload, or `null`
 * for anything that is not a valid, unexpired token under one of the non-empty secrets.
 * A token is still valid AT its expiry second. Never throws.
 */
export function verifyToken(
  token: string,
  secrets: readonly string[],
  opts: Clock = {},
): string | null {
  const bytes = decodeBase64Url(token);
  if (bytes === null) return null;
  const decoded = decodeUtf8(bytes);
  if (decoded === null) return null;
  const sigAt = decoded.lastIndexOf(":");
  const expAt = sigAt > 0 ? decoded.lastIndexOf(":", sigAt - 1) : -1;
  if (expAt < 0) return null;
  const expText = decoded.slice(expAt + 1, sigAt);
  const payload = decoded.slice(0, expAt);
  let signed: string;
  const fastExp = parseCanonicalSafeInteger(expText);
  if (fastExp >= 0) {
    // The usual token: `exp` is already the normalized decimal, so the signed text is the
    // decoded prefix as is.
    if (fastExp !== 0 && nowWholeSeconds(opts?.now) > fastExp) return null;
    signed = decoded.slice(0, sigAt);
  } else {
    // Any other spelling Python's int() reads (spaces, sign, leading zeros, beyond 2^53):
    // the signature covers the normalized decimal.
    const exp = parseInteger(expText);
    if (exp === null) return null;
    if (exp !== 0n && nowSeconds(opts?.now) > exp) return null;
    signed = `${payload}:${exp}`;
  }
  return verifyMessage(signed, decoded.slice(sigAt + 1), secrets) ? payload : null;
}
