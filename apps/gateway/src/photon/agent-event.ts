// An inbound iMessage as the agent sees it: the same JSON shape as a relay message event
// (docs/contract/relay.md#inbound-events), so one agent serves both. Media are local files the channel downloaded.
import type { PhotonInboundMessage } from "@hermes/photon-channel";
import type { RelayMessageEvent } from "@hermes/relay-adapter";

export type PhotonAgentEvent = RelayMessageEvent;

export function toAgentEvent(message: PhotonInboundMessage): PhotonAgentEvent {
  const media = message.media
    .filter((m) => m.path !== null)
    .map((m) => ({
      url: m.path ?? "",
      kind: m.kind,
      mime: m.mimeType,
      size: m.size,
      filename: m.fileName,
      caption: null,
    }));
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
    mediaTypes: media.map((m) => m.kind),
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
