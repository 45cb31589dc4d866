// An inbound iMessage as the agent sees it: the same JSON shape as a relay message event
// (docs/contract/relay.md#inbound-events), so one agent serves both. Media are local files the channel downloaded.
import type { PhotonInboundMessage, PhotonMedia } from "@hermes/photon-channel";
import type { RelayMessageEvent } from "@hermes/relay-adapter";
import type { AgentMediaItem } from "../agent/types.js";

export type PhotonAgentEvent = RelayMessageEvent;

/** Why an attachment has no local copy, as the agent reads it in `media[i].error`. */
const NOT_DOWNLOADED: Record<NonNullable<PhotonMedia["notDownloaded"]>, string> = {
  no_cache: "media downloads are off",
  too_large: "over the media size cap; not downloaded",
  download_failed: "the download failed",
};

export function toAgentEvent(message: PhotonInboundMessage): PhotonAgentEvent {
  // Like a relay attachment after localize: `path` when downloaded, else `error` says why not;
  // `url` repeats the local path (iMessage attachments have no URL the agent could fetch).
  const media: AgentMediaItem[] = message.media.map((m) => {
    const item: AgentMediaItem = {
      url: m.path ?? "",
      kind: m.kind,
      mime: m.mimeType,
      size: m.size,
      filename: m.fileName,
      caption: null,
    };
    if (m.path !== null) item.path = m.path;
    else item.error = NOT_DOWNLOADED[m.notDownloaded ?? "download_failed"];
    return item;
  });
  return {
    text: message.text,
    messageType: message.messageType,
    source: {
      platform: "imessage",
      chat_id: message.chatId,
      chat_type: message.chatType,
      chat_name: null,
      user_id: message.senderId,
      user_name: null,
      user_display_name: null,
      user_handle: message.senderId,
      thread_id: null,
      chat_topic: null,
      user_id_alt: null,
      chat_id_alt: null,
      scope_id: null,
      guild_id: null,
      parent_chat_id: null,
      message_id: message.messageId,
      profile: null,
      auto_thread_created: false,
      auto_thread_initial_name: null,
      prospective_thread_id: null,
    },
    userDisplayName: message.senderId,
    messageId: message.messageId,
    replyToMessageId: message.replyToMessageId,
    replyTo: null,
    mediaUrls: media.map((m) => m.url),
    mediaTypes: media.map((m) => m.kind ?? ""),
    media,
    contextText: null,
    contextError: null,
    promptResponse: message.promptResponse
      ? {
          promptId: message.messageId,
          optionId: message.promptResponse.title,
          label: message.promptResponse.title,
          promptMessageId: null,
        }
      : null,
  };
}
