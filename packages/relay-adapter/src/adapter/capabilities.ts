// The capability surface derived from a negotiated descriptor (spec §2.2).
import type { Descriptor } from "../protocol/types.js";

/** Ops a legacy connector (empty `supported_ops`) is assumed to support. */
const LEGACY_OPS: ReadonlySet<string> = new Set(["send", "edit", "typing", "follow_up"]);

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

/** UTF-16 code units (Telegram): "🔌" is 2. */
export function utf16Length(text: string): number {
  return text.length;
}

/** `utf16` → UTF-16 units; `chars` and anything unknown → code points. */
export function lengthFunctionFor(lenUnit: string): (text: string) => number {
  return lenUnit === "utf16" ? utf16Length : codePointLength;
}

export function supportsCodeBlocksFor(markdownDialect: string): boolean {
  return markdownDialect !== "" && markdownDialect !== "plain";
}

/**
 * Effective op support: an empty `supported_ops` is a legacy connector (send, edit, typing,
 * follow_up); otherwise only advertised ops. (Private mirror of the protocol rule.)
 */
export function opSupported(descriptor: Pick<Descriptor, "supported_ops">, op: string): boolean {
  const ops = Array.isArray(descriptor.supported_ops) ? descriptor.supported_ops : [];
  return ops.length === 0 ? LEGACY_OPS.has(op) : ops.includes(op);
}

/** Used until the connector's descriptor arrives. */
export function placeholderDescriptor(platform: string): Descriptor {
  return {
    contract_version: 1,
    platform,
    label: platform,
    max_message_length: 4096,
    supports_draft_streaming: false,
    supports_edit: false,
    supports_threads: false,
    markdown_dialect: "plain",
    len_unit: "chars",
    emoji: "🔌",
    platform_hint: "",
    pii_safe: false,
    supports_context: false,
    supports_inchannel_continuable: false,
    supports_block_formatting: false,
    supported_ops: [],
  };
}
