// The check a take record written as an object (`{"a":KEY,"e":EVENT}`: Photon's turns, and relay
// messages that came without frame text) passes before its turn runs again at start-up. The file
// is read back after crashes and may have been edited or damaged into valid JSON of another
// shape; such a record is skipped and counted like an unreadable line, never run (a turn that
// reads `source.chat_type` of a number would otherwise fail the start-up, at every restart).
import type { RelayMessageEvent } from "@hermes/relay-adapter";

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const stringOrNull = (v: unknown): boolean => v === null || typeof v === "string";
/** Absent counts as null: a record written by an older version may lack a later field. */
const optionalStringOrNull = (v: unknown): boolean => v === undefined || stringOrNull(v);

const SOURCE_OPTIONAL_STRINGS = [
  "chat_name",
  "user_id",
  "user_name",
  "user_display_name",
  "user_handle",
  "thread_id",
  "chat_topic",
  "user_id_alt",
  "chat_id_alt",
  "scope_id",
  "guild_id",
  "parent_chat_id",
  "message_id",
  "profile",
  "auto_thread_initial_name",
  "prospective_thread_id",
] as const;

const EVENT_OPTIONAL_STRINGS = [
  "userDisplayName",
  "messageId",
  "replyToMessageId",
  "contextText",
  "contextError",
] as const;

function isSource(v: unknown): boolean {
  if (!isObject(v)) return false;
  if (typeof v["platform"] !== "string" || typeof v["chat_id"] !== "string") return false;
  if (typeof v["chat_type"] !== "string") return false;
  if (v["auto_thread_created"] !== undefined && typeof v["auto_thread_created"] !== "boolean")
    return false;
  return SOURCE_OPTIONAL_STRINGS.every((k) => optionalStringOrNull(v[k]));
}

const isStringArray = (v: unknown): boolean =>
  Array.isArray(v) && v.every((s) => typeof s === "string");

function isMediaItem(v: unknown): boolean {
  return (
    isObject(v) &&
    typeof v["url"] === "string" &&
    (v["size"] === undefined || v["size"] === null || typeof v["size"] === "number") &&
    ["kind", "mime", "filename", "caption", "path", "error"].every((k) =>
      optionalStringOrNull(v[k]),
    )
  );
}

function isPromptResponse(v: unknown): boolean {
  return (
    isObject(v) &&
    typeof v["promptId"] === "string" &&
    typeof v["optionId"] === "string" &&
    optionalStringOrNull(v["label"]) &&
    optionalStringOrNull(v["promptMessageId"])
  );
}

/** True when `e` has the shape of a message event the gateway's turn reads. */
export function isJournalEvent(e: unknown): e is RelayMessageEvent {
  if (!isObject(e)) return false;
  if (typeof e["text"] !== "string" || typeof e["messageType"] !== "string") return false;
  if (!isSource(e["source"])) return false;
  if (!EVENT_OPTIONAL_STRINGS.every((k) => optionalStringOrNull(e[k]))) return false;
  const replyTo = e["replyTo"];
  if (replyTo !== undefined && replyTo !== null && !isObject(replyTo)) return false;
  if (!isStringArray(e["mediaUrls"]) || !isStringArray(e["mediaTypes"])) return false;
  const media = e["media"];
  if (!Array.isArray(media) || !media.every(isMediaItem)) return false;
  const press = e["promptResponse"];
  return press === undefined || press === null || isPromptResponse(press);
}
