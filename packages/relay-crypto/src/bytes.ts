// Low-level helpers shared by the token and delivery schemes. Every parser here is total:
// it returns `null` for input it does not accept instead of throwing.

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// Python's int() accepts surrounding ASCII whitespace and a sign; we accept exactly that much
// (no underscores, no non-ASCII digits) so the TS and Python halves agree on every string.
const INTEGER = /^[ \t\n\r\f\v]*([+-]?[0-9]+)[ \t\n\r\f\v]*$/;

/** Strict hex: whole bytes only, either case, never empty. */
export function parseHex(value: unknown): Buffer | null {
  if (typeof value !== "string" || !HEX.test(value)) return null;
  return Buffer.from(value, "hex");
}

/**
 * base64url with or without `=` padding, canonical only: an encoding whose unused trailing
 * bits are set (so two strings would decode to the same bytes) is rejected, which is what makes
 * every single-character change to a token detectable.
 */
export function decodeBase64Url(value: unknown): Buffer | null {
  if (typeof value !== "string") return null;
  let body = value;
  const pad = body.length % 4 === 0 ? body.length - body.replace(/=+$/, "").length : 0;
  if (pad > 0) {
    if (pad > 2) return null;
    body = body.slice(0, body.length - pad);
  }
  if (body.length % 4 === 1 || !BASE64URL.test(body)) return null;
  if (pad > 0 && (body.length + pad) % 4 !== 0) return null;
  // Canonical: the bits of the last character that fall past the last whole byte must be zero
  // (4 of them after 2 characters of a group, 2 after 3). Checked on that one character
  // rather than by re-encoding the whole token.
  const tail = body.length % 4;
  if (tail !== 0 && (BASE64URL_ALPHABET.indexOf(body[body.length - 1]!) & (tail === 2 ? 0b1111 : 0b11)) !== 0) return null;
  return Buffer.from(body, "base64url");
}

/** Strict UTF-8 decode; `null` for malformed sequences. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return null;
  }
}

/** An integer as Python's `int()` reads an ASCII string, or `null`. */
export function parseInteger(value: unknown): bigint | null {
  if (typeof value !== "string") return null;
  const match = INTEGER.exec(value);
  return match ? BigInt(match[1]!) : null;
}

/** Current unix time in whole seconds, from an injected clock or the system clock. */
export function nowSeconds(now: number | undefined): bigint {
  const value = typeof now === "number" && Number.isFinite(now) ? now : Date.now() / 1000;
  return BigInt(Math.floor(value));
}
