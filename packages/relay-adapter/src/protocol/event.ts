// Inbound MessageEvent at the trust boundary (docs/contract/relay.md#inbound-events).
// `eventFromWire` turns whatever a connector sent into the event a host works with, or a
// typed drop. It also stamps the "delivered via upstream relay" marker: the marker is local
// state of this module, so nothing on the wire, and no copied or hand-built object, has it.
import type { WireMessageEvent } from "./types.js";
import { isObject } from "./guards.js";

/** Message types a host understands; anything else arrives as "text". */
export const MESSAGE_TYPES: readonly string[] = Object.freeze([
  "text",
  "command",
  "image",
  "audio",
  "voice",
  "video",
  "document",
  "sticker",
  "location",
]);
const KNOWN_TYPES: ReadonlySet<string> = new Set(MESSAGE_TYPES);

/** SessionSource after normalization: ids are strings, optional fields null when absent. */
export interface SessionSource {
  platform: string;
  chat_id: string;
  chat_type: string;
  chat_name: string | null;
  user_id: string | null;
  user_name: string | null;
  user_display_name: string | null;
  user_handle: string | null;
  thread_id: string | null;
  chat_topic: string | null;
  user_id_alt: string | null;
  chat_id_alt: string | null;
  /** Discord guild / Slack workspace; falls back to the legacy `guild_id`. */
  scope_id: string | null;
  guild_id: string | null;
  parent_chat_id: string | null;
  message_id: string | null;
  profile: string | null;
  auto_thread_created: boolean;
  auto_thread_initial_name: string | null;
  prospective_thread_id: string | null;
}

export interface MediaItem {
  url: string;
  kind: string | null;
  mime: string | null;
  size: number | null;
  filename: string | null;
  caption: string | null;
}

export interface PromptResponse {
  promptId: string;
  optionId: string;
  label: string | null;
  promptMessageId: string | null;
}

/** An inbound message as a host sees it. Plain JSON-able data. */
export interface RelayMessageEvent {
  text: string;
  messageType: string;
  source: SessionSource;
  /** `user_display_name`, else `user_name`, else `user_handle`, else null. */
  userDisplayName: string | null;
  messageId: string | null;
  replyToMessageId: string | null;
  replyTo: { text: string | null; author: string | null; isOwn: boolean } | null;
  mediaUrls: string[];
  /** Same length as `mediaUrls`: the `kind` of the `media[]` entry with that url, "" when unknown. */
  mediaTypes: string[];
  media: MediaItem[];
  /** `"[Recent channel messages]\n" + "author: text"` lines (oldest first), or null. Never a trigger. */
  contextText: string | null;
  contextError: string | null;
  promptResponse: PromptResponse | null;
}

export type EventDropReason = "not_an_object" | "bad_source";

export type EventFromWireResult =
  { ok: true; event: RelayMessageEvent } | { ok: false; reason: EventDropReason; message: string };

export interface EventFromWireOptions {
  /** Platform to assume when the source names none (the descriptor's platform). */
  platform?: string;
}

/** A string, or a finite number / bigint as its decimal string (ids), else null. */
function id(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return value.toString();
  return null;
}
function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
function nonEmpty(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

const stamped = new WeakSet<object>();

/** True only for an event built by {@link eventFromWire} in this process (docs/contract/relay.md#upstream-trust-marker). */
export function isUpstreamRelayEvent(event: unknown): boolean {
  return typeof event === "object" && event !== null && stamped.has(event);
}

function sourceFromWire(
  raw: unknown,
  fallbackPlatform: string | undefined,
): SessionSource | string {
  if (!isObject(raw)) return "event.source is not an object";
  const chatId = id(raw["chat_id"]);
  if (chatId === null) return "event.source.chat_id is missing";
  const chatType = nonEmpty(raw["chat_type"]);
  if (chatType === null) return "event.source.chat_type is missing";
  const platform = nonEmpty(raw["platform"]) ?? fallbackPlatform ?? null;
  if (platform === null) return "event.source.platform is missing";
  const guild = id(raw["guild_id"]);
  return {
    platform,
    chat_id: chatId,
    chat_type: chatType,
    chat_name: text(raw["chat_name"]),
    user_id: id(raw["user_id"]),
    user_name: text(raw["user_name"]),
    user_display_name: text(raw["user_display_name"]),
    user_handle: text(raw["user_handle"]),
    thread_id: id(raw["thread_id"]),
    chat_topic: text(raw["chat_topic"]),
    user_id_alt: id(raw["user_id_alt"]),
    chat_id_alt: id(raw["chat_id_alt"]),
    scope_id: id(raw["scope_id"]) ?? guild,
    guild_id: guild,
    parent_chat_id: id(raw["parent_chat_id"]),
    message_id: id(raw["message_id"]),
    profile: text(raw["profile"]),
    auto_thread_created: raw["auto_thread_created"] === true,
    auto_thread_initial_name: text(raw["auto_thread_initial_name"]),
    prospective_thread_id: id(raw["prospective_thread_id"]),
  };
}

function mediaFromWire(raw: unknown): MediaItem[] {
  if (!Array.isArray(raw)) return [];
  const out: MediaItem[] = [];
  for (const m of raw) {
    if (!isObject(m) || typeof m["url"] !== "string") continue;
    const size = m["size"];
    out.push({
      url: m["url"],
      kind: text(m["kind"]),
      mime: text(m["mime"]),
      size: typeof size === "number" && Number.isFinite(size) && size >= 0 ? size : null,
      filename: text(m["filename"]),
      caption: text(m["caption"]),
    });
  }
  return out;
}

function renderContext(raw: unknown): string | null {
  if (!Array.isArray(raw)) return null;
  const lines: string[] = [];
  for (const item of raw) {
    if (!isObject(item)) continue;
    const body = text(item["text"]);
    if (body === null || body === "") continue;
    lines.push(`${nonEmpty(item["author"]) ?? "unknown"}: ${body}`);
  }
  return lines.length === 0 ? null : `[Recent channel messages]\n${lines.join("\n")}`;
}

function promptResponseFromWire(raw: unknown): PromptResponse | null {
  if (!isObject(raw)) return null;
  const promptId = id(raw["prompt_id"]);
  const optionId = id(raw["option_id"]);
  if (promptId === null || optionId === null) return null;
  return {
    promptId,
    optionId,
    label: text(raw["label"]),
    promptMessageId: id(raw["prompt_message_id"]),
  };
}

/**
 * Normalize a wire MessageEvent. Never throws: a value that cannot be a message (not an
 * object, or a source without platform / chat_id / chat_type) is a typed drop.
 */
export function eventFromWire(raw: unknown, opts: EventFromWireOptions = {}): EventFromWireResult {
  if (!isObject(raw))
    return { ok: false, reason: "not_an_object", message: "inbound event is not a JSON object" };
  const wire = raw as WireMessageEvent;
  const source = sourceFromWire(wire.source, opts.platform);
  if (typeof source === "string") return { ok: false, reason: "bad_source", message: source };
  const mediaUrls = Array.isArray(wire.media_urls)
    ? wire.media_urls.filter((u): u is string => typeof u === "string")
    : [];
  const media = mediaFromWire(wire.media);
  const kindByUrl = new Map<string, string>();
  for (const m of media) if (!kindByUrl.has(m.url)) kindByUrl.set(m.url, m.kind ?? "");
  const replyTo = isObject(wire.reply_to)
    ? {
        text: text(wire.reply_to["text"]),
        author: text(wire.reply_to["author"]),
        isOwn: wire.reply_to["is_own"] === true,
      }
    : null;
  const messageType =
    typeof wire.message_type === "string" && KNOWN_TYPES.has(wire.message_type)
      ? wire.message_type
      : "text";
  const event: RelayMessageEvent = {
    text: typeof wire.text === "string" ? wire.text : "",
    messageType,
    source,
    userDisplayName:
      nonEmpty(source.user_display_name) ??
      nonEmpty(source.user_name) ??
      nonEmpty(source.user_handle),
    messageId: id(wire.message_id) ?? source.message_id,
    replyToMessageId: id(wire.reply_to_message_id),
    replyTo,
    mediaUrls,
    mediaTypes: mediaUrls.map((u) => kindByUrl.get(u) ?? ""),
    media,
    contextText: renderContext(wire.context),
    contextError: text(wire.context_error),
    promptResponse: promptResponseFromWire(wire.prompt_response),
  };
  stamped.add(event);
  return { ok: true, event };
}
