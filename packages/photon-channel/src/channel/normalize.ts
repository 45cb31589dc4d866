// What the SDK yields from `app.messages`, turned into the channel's inbound events. This is a
// trust boundary (the content came over the network and through a third-party SDK): anything
// unexpected becomes a typed `ignored` result, never a throw.

export type PhotonMessageType =
  "text" | "image" | "audio" | "voice" | "video" | "document" | "prompt_response";

/** An attachment described by the SDK; `path` is the local copy when the channel has a media cache. */
export interface PhotonMedia {
  attachmentId: string | null;
  kind: "image" | "audio" | "voice" | "video" | "document";
  mimeType: string | null;
  fileName: string | null;
  size: number | null;
  path: string | null;
  /** Why `path` is null: no media cache configured, over the size limit, or the download failed. */
  notDownloaded: "no_cache" | "too_large" | "download_failed" | null;
}

interface InboundBase {
  messageId: string;
  chatId: string;
  chatType: "dm" | "group";
  senderId: string;
  /** ISO 8601, `null` when the SDK gave none. */
  timestamp: string | null;
}

/** A message for the agent to answer. */
export interface PhotonInboundMessage extends InboundBase {
  kind: "message";
  text: string;
  messageType: PhotonMessageType;
  media: PhotonMedia[];
  replyToMessageId: string | null;
  /** A tap on a native poll option (`messageType: "prompt_response"`). */
  promptResponse: { title: string; selected: boolean } | null;
}

/** A tapback: an event about an earlier message, never a message to answer. */
export interface PhotonInboundReaction extends InboundBase {
  kind: "reaction";
  emoji: string;
  targetMessageId: string | null;
}

export type PhotonInboundEvent = PhotonInboundMessage | PhotonInboundReaction;

export type IgnoredReason =
  "not_an_object" | "outbound" | "missing_ids" | "read_receipt" | "unsupported_content";

export type NormalizeResult =
  | { ok: true; event: PhotonInboundEvent }
  | { ok: false; reason: IgnoredReason; contentType: string | null };

type Rec = Record<string, unknown>;

const isRec = (value: unknown): value is Rec => typeof value === "object" && value !== null;
const str = (value: unknown): string | null =>
  typeof value === "string" && value !== "" ? value : null;
const num = (value: unknown): number | null =>
  typeof value === "number" && Number.isFinite(value) ? value : null;

/** Normalizes one `[space, message]` pair from the SDK's `app.messages`. */
export function normalizeInbound(space: unknown, message: unknown): NormalizeResult {
  if (!isRec(message)) return ignored("not_an_object", null);
  const content = isRec(message["content"]) ? message["content"] : null;
  const contentType = content ? str(content["type"]) : null;
  if (message["direction"] === "outbound") return ignored("outbound", contentType);
  const spaceRec = isRec(space) ? space : isRec(message["space"]) ? message["space"] : {};
  const messageId = str(message["id"]);
  const chatId = str(spaceRec["id"]);
  const sender = isRec(message["sender"]) ? str(message["sender"]["id"]) : null;
  if (!messageId || !chatId || !sender) return ignored("missing_ids", contentType);
  // The events are written out field by field, not `{ ...base, kind, … }`: on Node 20 a literal
  // that spreads an object and then adds keys costs ~10 µs here, on every inbound message.
  const chatType = spaceRec["type"] === "group" || chatId.includes(";+;") ? "group" : "dm";
  const timestamp = isoTimestamp(message["timestamp"]);
  if (!content || !contentType) return ignored("unsupported_content", contentType);
  if (contentType === "read") return ignored("read_receipt", contentType);
  if (contentType === "reaction") {
    const target = isRec(content["target"]) ? str(content["target"]["id"]) : null;
    return {
      ok: true,
      event: {
        messageId,
        chatId,
        chatType,
        senderId: sender,
        timestamp,
        kind: "reaction",
        emoji: str(content["emoji"]) ?? "",
        targetMessageId: target,
      },
    };
  }
  let replyTo: string | null = null;
  let body: Rec = content;
  if (contentType === "reply" && isRec(content["content"])) {
    replyTo = isRec(content["target"]) ? str(content["target"]["id"]) : null;
    body = content["content"];
  }
  const parts = flatten(body);
  if (parts === null) return ignored("unsupported_content", str(body["type"]));
  return {
    ok: true,
    event: {
      messageId,
      chatId,
      chatType,
      senderId: sender,
      timestamp,
      kind: "message",
      text: parts.texts.join("\n"),
      messageType: parts.promptResponse ? "prompt_response" : (parts.media[0]?.kind ?? "text"),
      media: parts.media,
      replyToMessageId: replyTo,
      promptResponse: parts.promptResponse,
    },
  };
}

interface Flattened {
  texts: string[];
  media: PhotonMedia[];
  promptResponse: PhotonInboundMessage["promptResponse"];
}

/** Text and media of one content value; a group's items are flattened in order. `null` when nothing usable. */
function flatten(content: Rec, depth = 0): Flattened | null {
  const out: Flattened = { texts: [], media: [], promptResponse: null };
  const type = str(content["type"]);
  switch (type) {
    case "text":
    case "markdown": {
      const text = str(content["text"]) ?? str(content["markdown"]);
      if (text === null) return null;
      out.texts.push(text);
      return out;
    }
    case "richlink": {
      const url = str(content["url"]);
      if (url === null) return null;
      const title = str(content["title"]);
      out.texts.push(title ? `${title}\n${url}` : url);
      return out;
    }
    case "attachment":
    case "voice": {
      const mimeType = str(content["mimeType"]);
      out.media.push({
        attachmentId: str(content["id"]),
        kind: type === "voice" ? "voice" : mediaKind(mimeType),
        mimeType,
        fileName: str(content["name"]),
        size: num(content["size"]),
        path: null,
        notDownloaded: "no_cache",
      });
      return out;
    }
    case "poll_option": {
      const option = isRec(content["option"]) ? content["option"] : {};
      const title = str(option["title"]) ?? str(content["title"]) ?? "";
      out.texts.push(title);
      out.promptResponse = { title, selected: content["selected"] !== false };
      return out;
    }
    case "group": {
      // Nested groups do not occur in practice; the bound keeps a hostile shape from recursing deeply.
      if (depth > 2 || !Array.isArray(content["items"])) return null;
      for (const item of content["items"]) {
        const inner =
          isRec(item) && isRec(item["content"]) ? flatten(item["content"], depth + 1) : null;
        if (!inner) continue;
        out.texts.push(...inner.texts);
        out.media.push(...inner.media);
        out.promptResponse ??= inner.promptResponse;
      }
      return out.texts.length > 0 || out.media.length > 0 ? out : null;
    }
    default:
      return null;
  }
}

function mediaKind(mimeType: string | null): PhotonMedia["kind"] {
  if (mimeType?.startsWith("image/")) return "image";
  if (mimeType?.startsWith("audio/")) return "audio";
  if (mimeType?.startsWith("video/")) return "video";
  return "document";
}

function isoTimestamp(value: unknown): string | null {
  const date =
    value instanceof Date
      ? value
      : typeof value === "string" || typeof value === "number"
        ? new Date(value)
        : null;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

function ignored(reason: IgnoredReason, contentType: string | null): NormalizeResult {
  return { ok: false, reason, contentType };
}

/** Reads an attachment's bytes through the SDK (`content.read()`). */
export type AttachmentReader = () => Promise<Uint8Array>;

/** The SDK's byte readers of a message's attachments and voice notes, by attachment id (groups and replies included). */
export function attachmentReaders(message: unknown): Map<string, AttachmentReader> {
  const readers = new Map<string, AttachmentReader>();
  const visit = (content: unknown, depth: number): void => {
    if (!isRec(content) || depth > 3) return;
    const type = content["type"];
    if (
      (type === "attachment" || type === "voice") &&
      typeof content["id"] === "string" &&
      typeof content["read"] === "function"
    ) {
      const read = content["read"] as () => Promise<Uint8Array>;
      readers.set(content["id"], () => read.call(content));
    } else if (type === "group" && Array.isArray(content["items"])) {
      for (const item of content["items"]) if (isRec(item)) visit(item["content"], depth + 1);
    } else if (type === "reply") {
      visit(content["content"], depth + 1);
    }
  };
  if (isRec(message)) visit(message["content"], 0);
  return readers;
}
