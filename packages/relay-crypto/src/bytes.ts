// Low-level helpers shared by the token and delivery schemes. Every parser here is total:
// it returns `null` for input it does not accept instead of throwing.

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
// Python's int() accepts surrounding ASCII whitespace and a sign; we accept exactly that much
// (no underscores, no non-ASCII digits) so the TS and Python halves agree on every string.
const INTEGER = /^[ \t\n\r\f\v]*([+-]?[0-9]+)[ \t\n\r\f\v]*$/;

/** Bytes of a string (UTF-8) or the bytes themselves. */
export function toBytes(value: string | Uint8Array): Buffer {
  return typeof value === "string"
    ? Buffer.from(value, "utf8")
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

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
  const bytes = Buffer.from(body, "base64url");
  if (bytes.toString("base64url") !== body) return null;
  return bytes;
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
