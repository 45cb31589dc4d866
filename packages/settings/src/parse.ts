// Typed parsers over a Sourced raw value. Each returns the parsed value with the same source
// and key, or throws a SettingsError that names both. Values are quoted in messages only where
// they cannot be secret (numbers, booleans, choices); secrets and URLs are never echoed.
import { isUsableSecret } from "@hermes/relay-crypto";
import { SettingsError } from "./errors.js";
import type { Sourced } from "./source.js";
import { checkUrl, listenHost, type UrlPolicy } from "./url-policy.js";

function invalid(raw: Sourced<unknown>, detail: string): SettingsError {
  return new SettingsError("SETTINGS_INVALID_VALUE", raw.key, raw.source, detail);
}

/**
 * The value as it may appear in a message: whole when short, else only its length. A value is
 * never cut: the secret scrubber matches whole secret values, and a secret pasted into the wrong
 * key and cut to a prefix would slip past it.
 */
function quoted(v: unknown): string {
  const s = typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
  return s.length > QUOTED_MAX
    ? `a value of ${s.length} characters (not shown)`
    : JSON.stringify(s);
}

/** The longest value a message quotes (integers, booleans, choices are far shorter). */
const QUOTED_MAX = 40;

/** A string (a YAML number is taken as its text), trimmed, non-empty. */
export function parseString(raw: Sourced<unknown>): Sourced<string> {
  const v = raw.value;
  const s =
    typeof v === "string"
      ? v.trim()
      : typeof v === "number" && Number.isFinite(v)
        ? String(v)
        : null;
  if (s === null || s === "") throw invalid(raw, "expected a string");
  return { ...raw, value: s };
}

/** A host to listen on: an IPv4 or IPv6 address (brackets removed) or a DNS name. */
export function parseHost(raw: Sourced<unknown>): Sourced<string> {
  const s = parseString(raw);
  const host = listenHost(s.value);
  if (host === null)
    throw invalid(
      raw,
      `expected an IP address or a host name to listen on (e.g. 127.0.0.1, ::1, 0.0.0.0), got ${quoted(s.value)}`,
    );
  return { ...s, value: host.replace(/^\[(.*)\]$/, "$1") };
}

export interface IntRange {
  readonly min: number;
  readonly max: number;
}

/** A decimal integer within [min, max]. */
export function parseInteger(raw: Sourced<unknown>, range: IntRange): Sourced<number> {
  const v = raw.value;
  const text = typeof v === "number" ? String(v) : typeof v === "string" ? v.trim() : "";
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    throw invalid(raw, `expected an integer from ${range.min} to ${range.max}, got ${quoted(v)}`);
  }
  return { ...raw, value: n };
}

export interface BooleanWords {
  readonly truthy: readonly string[];
  readonly falsy: readonly string[];
}

export const BOOLEAN_WORDS: BooleanWords = {
  truthy: ["1", "true", "yes", "on"],
  falsy: ["0", "false", "no", "off"],
};

/** A YAML boolean, or one of the words (case-insensitive). */
export function parseBoolean(
  raw: Sourced<unknown>,
  words: BooleanWords = BOOLEAN_WORDS,
): Sourced<boolean> {
  const v = raw.value;
  if (typeof v === "boolean") return { ...raw, value: v };
  const w = typeof v === "string" || typeof v === "number" ? String(v).trim().toLowerCase() : "";
  if (words.truthy.includes(w)) return { ...raw, value: true };
  if (words.falsy.includes(w)) return { ...raw, value: false };
  throw invalid(
    raw,
    `expected one of ${[...words.truthy, ...words.falsy].join(", ")}, got ${quoted(v)}`,
  );
}

/** One of `choices` (exact match after trimming). */
export function parseEnum<T extends string>(
  raw: Sourced<unknown>,
  choices: readonly T[],
): Sourced<T> {
  const v = typeof raw.value === "string" ? raw.value.trim() : raw.value;
  if (typeof v === "string" && (choices as readonly string[]).includes(v))
    return { ...raw, value: v as T };
  throw invalid(raw, `expected one of ${choices.join(", ")}, got ${quoted(raw.value)}`);
}

/** A comma-separated string or a YAML list of strings/numbers; items trimmed, empty items dropped. */
export function parseList(raw: Sourced<unknown>): Sourced<string[]> {
  const v = raw.value;
  if (typeof v === "string") return { ...raw, value: splitList(v) };
  if (Array.isArray(v) && v.every((i) => typeof i === "string" || typeof i === "number")) {
    return { ...raw, value: v.map((i) => String(i).trim()).filter((i) => i !== "") };
  }
  throw invalid(raw, "expected a list or a comma-separated string");
}

/** `"a, b,,c"` → `["a", "b", "c"]`. */
export function splitList(s: string): string[] {
  return s
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

/** A URL accepted by the policy (no userinfo; no plain ws/http to a non-loopback host unless allowed). */
export function parseUrl(raw: Sourced<unknown>, policy: UrlPolicy): Sourced<string> {
  const s = typeof raw.value === "string" ? raw.value.trim() : "";
  const check = checkUrl(s, policy);
  if (check.ok) return { ...raw, value: s };
  const code =
    check.reason === "userinfo"
      ? "SETTINGS_URL_USERINFO"
      : check.reason === "insecure"
        ? "SETTINGS_URL_INSECURE"
        : "SETTINGS_INVALID_VALUE";
  throw new SettingsError(code, raw.key, raw.source, check.detail);
}

/** A secret: a string `isUsableSecret` accepts, trimmed. Never quoted in an error. */
export function parseSecret(raw: Sourced<unknown>): Sourced<string> {
  if (typeof raw.value !== "string") {
    // A YAML number or boolean would be silently re-spelled (00123 → 123): make the user quote it.
    throw new SettingsError(
      "SETTINGS_SECRET_UNUSABLE",
      raw.key,
      raw.source,
      "expected a string (quote the value in config.yaml)",
    );
  }
  if (!isUsableSecret(raw.value)) {
    throw new SettingsError(
      "SETTINGS_SECRET_UNUSABLE",
      raw.key,
      raw.source,
      "is not a usable secret (empty or whitespace only)",
    );
  }
  return { ...raw, value: raw.value.trim() };
}
