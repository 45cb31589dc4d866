// Discord interaction passthrough → message event (docs/contract/relay.md#discord-passthrough).
//
// The connector answered the provider's ACK at its edge, verified the provider signature and
// stripped the interaction token into its vault; what reaches us is the sanitized request.
// We turn a Discord interaction into an ordinary wire MessageEvent so it takes the same agent
// path as a chat message. Pure: a typed result, never an exception, whatever the bytes.
import type { WireMessageEvent, WirePassthroughForward, WireSessionSource } from "./types.js";
import { isObject, type JsonRecord } from "./guards.js";

export type PassthroughDropReason =
  "unsupported_platform" | "bad_base64" | "bad_utf8" | "bad_json" | "not_an_interaction" | "ping";

export type PassthroughResult =
  | { ok: true; event: WireMessageEvent }
  | { ok: false; reason: PassthroughDropReason; message: string };

/** Discord channel types that are threads: announcement, public and private threads. */
const THREAD_CHANNEL_TYPES = new Set([10, 11, 12]);
const INTERACTION_PING = 1;
const INTERACTION_APPLICATION_COMMAND = 2;
const INTERACTION_MESSAGE_COMPONENT = 3;
const OPTION_SUB_COMMAND = 1;
const OPTION_SUB_COMMAND_GROUP = 2;
/** Nesting depth beyond which options are ignored (Discord allows group → sub → options). */
const MAX_OPTION_DEPTH = 8;
/** The connector's prompt codec alphabet for prompt and option ids. */
const PROMPT_ID = /^[\w.-]{1,32}$/;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A Discord snowflake or string id as a non-empty string, else null. */
function idOf(value: unknown): string | null {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return value.toString();
  return null;
}

function textOf(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
}

function drop(reason: PassthroughDropReason, message: string): PassthroughResult {
  return { ok: false, reason, message };
}

/** JavaScript `\\s` (what the old whitespace strip removed): ASCII, Latin-1 and Unicode spaces, line terminators, BOM. */
function isWhitespace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x20 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** A base64 data character of either alphabet: A-Z a-z 0-9 + / (standard) or - _ (URL-safe). */
function isBase64Char(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2b ||
    c === 0x2f ||
    c === 0x2d ||
    c === 0x5f
  );
}

/**
 * The body, ready for Node's base64 decoder (without whitespace beyond ASCII), when it is base64 (either alphabet, at most two trailing "=",
 * data length % 4 ≠ 1), else null. One pass over the string: the body is attacker-controlled,
 * so no regex with alternatives under `*` and no `/=+$/` (both backtrack on crafted input).
 */
function compactBase64(text: string): string | null {
  let data = 0;
  let padding = 0;
  // Only whitespace beyond ASCII needs stripping: Node's base64 decoder skips ASCII whitespace
  // itself (and the text goes to it as is: no copy, however the whitespace is spread).
  let wideWhitespace = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isWhitespace(c)) {
      if (c > 0x20) wideWhitespace = true;
    } else if (c === 0x3d) {
      if (++padding > 2) return null;
    } else if (padding > 0 || !isBase64Char(c)) {
      return null;
    } else {
      data++;
    }
  }
  if (data % 4 === 1) return null;
  // `\s` is exactly isWhitespace: one pass that builds the result, for the rare wide spaces.
  return wideWhitespace ? text.replace(WHITESPACE_RUNS, "") : text;
}

const WHITESPACE_RUNS = /\s+/g;

/** Decode `bodyB64` (standard or URL-safe alphabet, whitespace ignored) to the exact bytes, or null. */
export function decodeForwardBody(bodyB64: unknown): Uint8Array | null {
  if (typeof bodyB64 !== "string") return null;
  const compact = compactBase64(bodyB64);
  if (compact === null) return null;
  // Node's base64 decoder accepts both alphabets; the scan above already rejected garbage.
  return new Uint8Array(Buffer.from(compact, "base64"));
}

/**
 * Convert a passthrough forward carrying a Discord interaction into a wire MessageEvent, as
 * upstream maps it today (hermes-agent PR 71048, `gateway/relay/adapter_discord.py`; the
 * seed's mapping made slash commands unusable over the relay):
 * - type 2 (APPLICATION_COMMAND) → the command text `/<name> <options…>` with message type
 *   `command`: a scalar option contributes its value, a SUB_COMMAND (1) / SUB_COMMAND_GROUP
 *   (2) its name and then its own options, recursively;
 * - type 3 (MESSAGE_COMPONENT) → `data.custom_id`; a prompt token `hp1:<prompt_id>:<option_id>`
 *   becomes a structured `prompt_response` with text `/<option_id>` as a command;
 * - others (5 = MODAL_SUBMIT, …) → ""; type 1 (PING) is answered at the edge and dropped here.
 * Author = `member.user` (guild) or `user` (DM); display name = member nick, else the global
 * name, else the username. `chat_type` = `group` with a guild (the session of the text lane),
 * else `dm`; inside a thread (channel type 10/11/12) `thread`, with `thread_id` = the channel
 * and `parent_chat_id` = `channel.parent_id`. `scope_id` (and the legacy `guild_id`) = the guild.
 */
export function discordInteractionToEvent(forward: unknown): PassthroughResult {
  try {
    if (!isObject(forward) || forward["platform"] !== "discord") {
      const platform = isObject(forward) ? textOf(forward["platform"]) : "";
      return drop(
        "unsupported_platform",
        `no passthrough handler for platform "${platform.slice(0, 64)}"; dropped`,
      );
    }
    const bytes = decodeForwardBody(forward["bodyB64"]);
    if (bytes === null) return drop("bad_base64", "passthrough body is not valid base64; dropped");
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return drop("bad_utf8", "passthrough body is not valid UTF-8; dropped");
    }
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return drop("bad_json", "passthrough body is not JSON; dropped");
    }
    if (
      !isObject(payload) ||
      typeof payload["type"] !== "number" ||
      !Number.isInteger(payload["type"])
    ) {
      return drop(
        "not_an_interaction",
        "passthrough body is not a Discord interaction (no integer type); dropped",
      );
    }
    const itype = payload["type"];
    if (itype === INTERACTION_PING)
      return drop("ping", "PING interactions are answered at the connector edge; dropped");
    return {
      ok: true,
      event: buildEvent(forward as unknown as WirePassthroughForward, payload, itype),
    };
  } catch {
    // Defensive: exotic inputs (getters, proxies) must still not break the reader.
    return drop("not_an_interaction", "passthrough forward could not be read; dropped");
  }
}

/** Option values as command arguments: scalars give their value, sub-commands their name then theirs. */
export function renderInteractionOptions(options: unknown, depth = 0): string[] {
  const parts: string[] = [];
  if (!Array.isArray(options) || depth > MAX_OPTION_DEPTH) return parts;
  for (const opt of options) {
    if (!isObject(opt)) continue;
    if (opt["type"] === OPTION_SUB_COMMAND || opt["type"] === OPTION_SUB_COMMAND_GROUP) {
      const name = textOf(opt["name"]).trim();
      if (name !== "") parts.push(name);
      parts.push(...renderInteractionOptions(opt["options"], depth + 1));
    } else {
      const v = opt["value"];
      const value =
        typeof v === "string"
          ? v.trim()
          : typeof v === "number" || typeof v === "boolean"
            ? String(v)
            : "";
      if (value !== "") parts.push(value);
    }
  }
  return parts;
}

/** `hp1:<prompt_id>:<option_id>` → the two ids, else null. */
export function decodePromptToken(token: string): { promptId: string; optionId: string } | null {
  const parts = token.split(":");
  if (parts.length !== 3 || parts[0] !== "hp1") return null;
  const [, promptId, optionId] = parts as [string, string, string];
  return PROMPT_ID.test(promptId) && PROMPT_ID.test(optionId) ? { promptId, optionId } : null;
}

function nonEmptyText(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function buildEvent(
  forward: WirePassthroughForward,
  payload: JsonRecord,
  itype: number,
): WireMessageEvent {
  const data = isObject(payload["data"]) ? payload["data"] : {};
  let text = "";
  let messageType = "text";
  if (itype === INTERACTION_APPLICATION_COMMAND) {
    const name = textOf(data["name"]).trim();
    if (name !== "") {
      text = [`/${name}`, ...renderInteractionOptions(data["options"])].join(" ");
      messageType = "command";
    }
  } else if (itype === INTERACTION_MESSAGE_COMPONENT) {
    text = textOf(data["custom_id"]);
  }

  const member = isObject(payload["member"]) ? payload["member"] : null;
  const user =
    (member && isObject(member["user"]) ? member["user"] : null) ??
    (isObject(payload["user"]) ? payload["user"] : {});
  const channelId = idOf(payload["channel_id"]) ?? "";
  const guildId = idOf(payload["guild_id"]);
  const channel = isObject(payload["channel"]) ? payload["channel"] : null;
  const inThread =
    guildId !== null &&
    channel !== null &&
    typeof channel["type"] === "number" &&
    THREAD_CHANNEL_TYPES.has(channel["type"]);

  const username = nonEmptyText(user["username"]);
  const source: WireSessionSource = {
    platform: "discord",
    chat_id: channelId,
    chat_type: inThread ? "thread" : guildId ? "group" : "dm",
    chat_name: channel && typeof channel["name"] === "string" ? channel["name"] : null,
    user_id: idOf(user["id"]),
    user_name: username,
    thread_id: inThread ? channelId || null : null,
    chat_topic: null,
  };
  // What the text lane shows: the guild nick, else the global name, else the username.
  const displayName =
    nonEmptyText(member?.["nick"]) ?? nonEmptyText(user["global_name"]) ?? username;
  if (displayName !== null) source.user_display_name = displayName;
  if (guildId !== null) {
    source.guild_id = guildId;
    source.scope_id = guildId;
  }
  if (inThread) source.parent_chat_id = idOf(channel["parent_id"]);
  const interactionId = idOf(payload["id"]);
  if (interactionId !== null) source.message_id = interactionId;
  if (typeof forward.profile === "string" && forward.profile !== "")
    source.profile = forward.profile;

  const event: WireMessageEvent = { text, message_type: messageType, source };
  if (interactionId !== null) event.message_id = interactionId;
  if (itype === INTERACTION_MESSAGE_COMPONENT) {
    const decoded = decodePromptToken(text);
    if (decoded !== null) {
      const message = isObject(payload["message"]) ? payload["message"] : null;
      const promptMessageId = message === null ? null : idOf(message["id"]);
      event.prompt_response = {
        prompt_id: decoded.promptId,
        option_id: decoded.optionId,
        ...(promptMessageId === null ? {} : { prompt_message_id: promptMessageId }),
      };
      event.text = `/${decoded.optionId}`;
      event.message_type = "command";
    }
  }
  return event;
}

/** A passthrough forward after validation: the body as its exact bytes, headers as pairs. */
export interface PassthroughForward {
  platform: string;
  botId: string;
  method: string;
  path: string;
  headers: [string, string][];
  body: Uint8Array;
  profile: string | null;
}

export type PassthroughFromWireResult =
  | { ok: true; forward: PassthroughForward }
  | {
      ok: false;
      reason: "not_an_object" | "missing_field" | "bad_headers" | "bad_base64";
      message: string;
    };

/**
 * Validate a `passthrough_forward.forward` object (docs/contract/relay.md#frame-catalogue): string `platform`, `botId`,
 * `method`, `path`; `headers` a list of `[name, value]` string pairs; `bodyB64` decoded to
 * the exact bytes. Never throws.
 */
export function passthroughFromWire(raw: unknown): PassthroughFromWireResult {
  if (!isObject(raw))
    return {
      ok: false,
      reason: "not_an_object",
      message: "passthrough forward is not a JSON object",
    };
  for (const key of ["platform", "botId", "method", "path"] as const) {
    if (typeof raw[key] !== "string")
      return {
        ok: false,
        reason: "missing_field",
        message: `passthrough forward has no string "${key}"`,
      };
  }
  const headers: [string, string][] = [];
  const rawHeaders = raw["headers"] ?? [];
  if (!Array.isArray(rawHeaders))
    return {
      ok: false,
      reason: "bad_headers",
      message: "passthrough headers are not a list of pairs",
    };
  for (const pair of rawHeaders) {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      typeof pair[0] !== "string" ||
      typeof pair[1] !== "string"
    ) {
      return {
        ok: false,
        reason: "bad_headers",
        message: "passthrough headers are not a list of [name, value] string pairs",
      };
    }
    headers.push([pair[0], pair[1]]);
  }
  const body = decodeForwardBody(raw["bodyB64"]);
  if (body === null)
    return { ok: false, reason: "bad_base64", message: "passthrough body is not valid base64" };
  const profile = raw["profile"];
  return {
    ok: true,
    forward: {
      platform: raw["platform"] as string,
      botId: raw["botId"] as string,
      method: raw["method"] as string,
      path: raw["path"] as string,
      headers,
      body,
      profile: typeof profile === "string" && profile !== "" ? profile : null,
    },
  };
}
