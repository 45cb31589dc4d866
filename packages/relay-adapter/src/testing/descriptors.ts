// Default capability descriptors the reference connector advertises per platform
// (contract_version 1, complete). Overridable per platform through the constructor.
import { parseDescriptor } from "../protocol/descriptor.js";
import type { Descriptor } from "../protocol/types.js";

const DEFAULTS: Record<string, Partial<Descriptor>> = {
  discord: {
    label: "Discord",
    max_message_length: 2000,
    supports_edit: true,
    supports_threads: true,
    markdown_dialect: "discord",
    len_unit: "chars",
    emoji: "🎮",
    supports_context: true,
    supported_ops: [
      "send",
      "edit",
      "typing",
      "follow_up",
      "get_chat_info",
      "send_media",
      "react",
      "thread_create",
      "thread_rename",
      "prompt",
    ],
  },
  telegram: {
    label: "Telegram",
    max_message_length: 4096,
    supports_draft_streaming: true,
    supports_edit: true,
    markdown_dialect: "markdown_v2",
    len_unit: "utf16",
    emoji: "✈️",
    supported_ops: ["send", "edit", "typing", "get_chat_info", "send_media", "react", "prompt"],
  },
  slack: {
    label: "Slack",
    max_message_length: 40000,
    supports_edit: true,
    supports_threads: true,
    markdown_dialect: "mrkdwn",
    len_unit: "chars",
    emoji: "💬",
    supported_ops: ["send", "edit", "typing", "get_chat_info", "react", "thread_create"],
  },
};

/** The descriptor the reference connector sends for `platform` (override fields win). */
export function referenceDescriptor(
  platform: string,
  override: Partial<Descriptor> = {},
): Descriptor {
  const base = DEFAULTS[platform] ?? {
    label: platform,
    max_message_length: 4096,
    markdown_dialect: "plain",
    len_unit: "chars",
  };
  return parseDescriptor({ contract_version: 1, ...base, ...override, platform });
}
