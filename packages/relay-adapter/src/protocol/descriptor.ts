// The capability descriptor at the trust boundary (docs/contract/relay.md#capability-descriptor).
// Parsing never fails the handshake: whatever the connector sends becomes a complete
// contract_version 1 descriptor, with unknown keys dropped and bad values defaulted.
import { isObject, type JsonRecord } from "./guards.js";
import type { Descriptor } from "./types.js";

/** `max_message_length` when the connector's value is missing, non-numeric or not positive. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 4096;
/**
 * Floor for a positive `max_message_length`: below it every reply would be cut into
 * fragments (1 → one message per character). 100 is under every chat platform's real limit
 * (SMS 160, Discord 2000, Telegram 4096).
 */
export const MIN_MAX_MESSAGE_LENGTH = 100;
/** Ceiling for `max_message_length` (1e20 is not a limit): above Slack's 40 000, far below a frame. */
export const MAX_MAX_MESSAGE_LENGTH = 1_000_000;

/** Ops a legacy connector (empty `supported_ops`) is assumed to support. */
export const LEGACY_OPS: readonly string[] = Object.freeze(["send", "edit", "typing", "follow_up"]);
const LEGACY_SET: ReadonlySet<string> = new Set(LEGACY_OPS);

function str(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}
function bool(value: unknown): boolean {
  return value === true;
}
function positiveInt(value: unknown): number | null {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) return null;
  const i = Math.floor(n);
  return i > 0 ? i : null;
}
/** Missing, non-numeric or non-positive → the default (docs/contract/relay.md#capability-descriptor); otherwise clamped to [floor, ceiling]. */
function messageLengthLimit(value: unknown): number {
  const n = positiveInt(value);
  return n === null
    ? DEFAULT_MAX_MESSAGE_LENGTH
    : Math.min(MAX_MAX_MESSAGE_LENGTH, Math.max(MIN_MAX_MESSAGE_LENGTH, n));
}

export interface ParseDescriptorOptions {
  /** Platform to assume when the descriptor names none (e.g. the hello's platform). */
  platform?: string;
}

/**
 * Normalize a descriptor received from the wire. Never throws: a non-object becomes the
 * defaults for `opts.platform` (or "relay").
 */
export function parseDescriptor(raw: unknown, opts: ParseDescriptorOptions = {}): Descriptor {
  const d: JsonRecord = isObject(raw) ? raw : {};
  const platform = str(d["platform"], "") || opts.platform || "relay";
  // 1e20 is not a version: beyond the safe integers → 1, the only version spoken.
  const version = positiveInt(d["contract_version"]);
  const ops = Array.isArray(d["supported_ops"])
    ? [
        ...new Set(
          (d["supported_ops"] as unknown[]).filter(
            (op): op is string => typeof op === "string" && op !== "",
          ),
        ),
      ]
    : [];
  return {
    contract_version: version !== null && Number.isSafeInteger(version) ? version : 1,
    platform,
    label: str(d["label"], "") || platform,
    max_message_length: messageLengthLimit(d["max_message_length"]),
    supports_draft_streaming: bool(d["supports_draft_streaming"]),
    supports_edit: bool(d["supports_edit"]),
    supports_threads: bool(d["supports_threads"]),
    markdown_dialect: str(d["markdown_dialect"], "plain"),
    len_unit: d["len_unit"] === "utf16" ? "utf16" : "chars",
    emoji: str(d["emoji"], "🔌") || "🔌",
    platform_hint: str(d["platform_hint"], ""),
    pii_safe: bool(d["pii_safe"]),
    supports_context: bool(d["supports_context"]),
    supports_inchannel_continuable: bool(d["supports_inchannel_continuable"]),
    supports_block_formatting: bool(d["supports_block_formatting"]),
    supported_ops: ops,
  };
}

/**
 * Effective op support: an empty `supported_ops` is a legacy connector (send, edit, typing,
 * follow_up); otherwise only the advertised ops.
 */
export function supportsOp(descriptor: Pick<Descriptor, "supported_ops">, op: string): boolean {
  const ops = Array.isArray(descriptor.supported_ops) ? descriptor.supported_ops : [];
  return ops.length === 0 ? LEGACY_SET.has(op) : ops.includes(op);
}

/** Unicode code points (Python `len`): "🔌" is 1. */
export function codePointLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** UTF-16 code units (Telegram, JS `.length`): "🔌" is 2. */
export function utf16Length(text: string): number {
  return text.length;
}

/** `utf16` → UTF-16 units; `chars` and anything unknown → code points. */
export function lengthFunctionFor(lenUnit: string): (text: string) => number {
  return lenUnit === "utf16" ? utf16Length : codePointLength;
}

/** Code blocks are supported by every dialect except "" and "plain". */
export function supportsCodeBlocks(markdownDialect: string): boolean {
  return markdownDialect !== "" && markdownDialect !== "plain";
}
