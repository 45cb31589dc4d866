// Low-level helpers shared by the token and delivery schemes. Every parser here is total (it
// returns `null` for input it does not accept instead of throwing) and linear in its input:
// attacker-sized strings reach them (a bearer token, a timestamp header), so none of them may
// backtrack or re-scan (no `/=+$/`), and none may hand an unbounded digit run to `BigInt`.
import { isUtf8 } from "node:buffer";

const BASE64URL = /^[\w-]*$/;
const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const EQUALS = 0x3d;

/**
 * The most digits an integer field may have. Python's `int()` refuses longer decimal strings
 * by default (`sys.get_int_max_str_digits()`, 4300, sign not counted, leading zeros counted),
 * so upstream never accepts one; and `BigInt` of a long digit run is super-linear.
 */
export const MAX_INTEGER_DIGITS = 4300;

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Strict hex: whole bytes only, either case, never empty. A char-code loop rather than trusting
 * Buffer.from: Node's hex decoder reads only the low byte of a two-byte character ("\u0130"
 * passes for "0").
 */
export function isHex(value: unknown): value is string {
  if (typeof value !== "string" || value.length === 0 || value.length % 2 !== 0) return false;
  for (let i = 0; i < value.length; i++) if (!isHexDigit(value.charCodeAt(i))) return false;
  return true;
}

/**
 * base64url with or without `=` padding, canonical only: an encoding whose unused trailing
 * bits are set (so two strings would decode to the same bytes) is rejected, which is what makes
 * every single-character change to a token detectable.
 */
export function decodeBase64Url(value: unknown): Buffer | null {
  if (typeof value !== "string") return null;
  let body = value;
  if (body.length % 4 === 0) {
    // Count the padding from the end by index: at most 2 is valid, so look at no more than 3.
    let pad = 0;
    while (pad < 3 && pad < body.length && body.charCodeAt(body.length - 1 - pad) === EQUALS) pad++;
    if (pad > 2) return null;
    body = body.slice(0, body.length - pad);
  }
  if (body.length % 4 === 1 || !BASE64URL.test(body)) return null;
  // Canonical: the bits of the last character that fall past the last whole byte must be zero
  // (4 of them after 2 characters of a group, 2 after 3). Checked on that one character
  // rather than by re-encoding the whole token.
  const tail = body.length % 4;
  if (
    tail !== 0 &&
    (BASE64URL_ALPHABET.indexOf(body[body.length - 1]!) & (tail === 2 ? 0b1111 : 0b11)) !== 0
  )
    return null;
  return Buffer.from(body, "base64url");
}

/** Strict UTF-8 decode (a BOM is kept as U+FEFF); `null` for malformed sequences. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  if (!isUtf8(bytes)) return null;
  // A Buffer (what decodeBase64Url returns) is decoded in place; only a plain Uint8Array needs
  // a Buffer view, whose creation costs about as much as the decode of a token.
  return (
    Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  ).toString("utf8");
}

// Python's int() accepts surrounding ASCII whitespace and a sign; we accept exactly that much
// (no underscores, no non-ASCII digits) so the TS and Python halves agree on every string.
function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d); // space, \t \n \v \f \r
}

/**
 * An integer as Python's `int()` reads an ASCII string, or `null` (also for more than
 * {@link MAX_INTEGER_DIGITS} digits, which Python refuses too). One pass, no regex.
 */
export function parseInteger(value: unknown): bigint | null {
  if (typeof value !== "string") return null;
  let start = 0;
  let end = value.length;
  while (start < end && isAsciiSpace(value.charCodeAt(start))) start++;
  while (end > start && isAsciiSpace(value.charCodeAt(end - 1))) end--;
  let digitsAt = start;
  const first = value.charCodeAt(start);
  if (first === 0x2b || first === 0x2d) digitsAt++; // + or -
  if (digitsAt === end || end - digitsAt > MAX_INTEGER_DIGITS) return null;
  for (let i = digitsAt; i < end; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  return BigInt(value.slice(start, end));
}

/**
 * `value` when it is a canonical non-negative decimal (no sign, space or leading zero) small
 * enough to be exact as a number; else `-1`. The fast path of the token's `exp` field: such a
 * field is already its own normalized spelling, so the signed text needs no rebuilding.
 */
export function parseCanonicalSafeInteger(value: string): number {
  const length = value.length;
  if (length === 0 || length > 15 || (length > 1 && value.charCodeAt(0) === 0x30)) return -1;
  let n = 0;
  for (let i = 0; i < length; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Current unix time in whole seconds (what tokens and deliveries carry), from an injected clock
 * in milliseconds since the epoch, like `Date.now()`, or from the system clock.
 */
export function nowSeconds(nowMs: number | undefined): bigint {
  return BigInt(nowWholeSeconds(nowMs));
}

/** {@link nowSeconds} as a number (an exact integer value). */
export function nowWholeSeconds(nowMs: number | undefined): number {
  return Math.floor(
    (typeof nowMs === "number" && Number.isFinite(nowMs) ? nowMs : Date.now()) / 1000,
  );
}
