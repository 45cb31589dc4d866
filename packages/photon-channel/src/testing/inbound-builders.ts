// Builds the protobuf objects (proto-loader's camelCase JSON shape) the real iMessage service
// sends, one builder per inbound content type a test can push.

/** What a test pushes as if an iMessage user sent it to the project's line. */
export type InboundSpec =
  | { type: "text"; from: string; text: string; chatGuid?: string }
  /** iMessage carries a link as the text of a message with the URL balloon provider. */
  | { type: "richlink"; from: string; url: string; chatGuid?: string }
  | {
      type: "attachment";
      from: string;
      fileName: string;
      mimeType: string;
      data: Uint8Array;
      text?: string;
      chatGuid?: string;
    }
  /** A voice note: an audio attachment on a message flagged `is_audio_message`. */
  | {
      type: "voice";
      from: string;
      data: Uint8Array;
      mimeType?: string;
      fileName?: string;
      chatGuid?: string;
    }
  /** A tapback on an earlier message (`targetGuid`): a custom `emoji`, or one of the classic kinds. */
  | {
      type: "reaction";
      from: string;
      targetGuid: string;
      emoji?: string;
      kind?: TapbackKind;
      chatGuid?: string;
    };

export type TapbackKind = "love" | "like" | "dislike" | "laugh" | "emphasize" | "question";

export interface ProtoTimestamp {
  seconds: number;
  nanos: number;
}

/** A stored attachment: what `DownloadAttachment` streams back. */
export interface FakeAttachment {
  info: Record<string, unknown>;
  data: Buffer;
}

/** The DM chat GUID iMessage uses for a handle (E.164 phone or email). */
export function dmChatGuid(handle: string): string {
  return `any;-;${handle}`;
}

export function protoTimestamp(at: Date): ProtoTimestamp {
  const ms = at.getTime();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

const URL_BALLOON_PROVIDER = "com.apple.messages.URLBalloonProvider";

export function attachmentInfo(
  guid: string,
  fileName: string,
  mimeType: string,
  size: number,
  isOutgoing: boolean,
): Record<string, unknown> {
  return {
    guid,
    fileName,
    mimeType,
    uti: mimeType.startsWith("audio/") ? "com.apple.coreaudio-format" : "public.data",
    totalBytes: size,
    isOutgoing,
    transferState: "TRANSFER_STATE_FINISHED",
    isHidden: false,
    isSticker: false,
  };
}

export function senderAddress(handle: string): Record<string, unknown> {
  return { address: handle, service: "CHAT_SERVICE_TYPE_IMESSAGE" };
}

/** A `Message` as the service describes one (inbound unless `isFromMe`). */
export function protoMessage(options: {
  guid: string;
  chatGuid: string;
  from?: string;
  isFromMe: boolean;
  at: Date;
  text?: string;
  attachments?: Record<string, unknown>[];
  balloonBundleId?: string;
  isAudioMessage?: boolean;
}): Record<string, unknown> {
  return {
    guid: options.guid,
    content: {
      ...(options.text === undefined ? {} : { text: options.text }),
      attachments: options.attachments ?? [],
      ...(options.balloonBundleId === undefined
        ? {}
        : { balloonBundleId: options.balloonBundleId }),
    },
    dateCreated: protoTimestamp(options.at),
    ...(options.from === undefined ? {} : { sender: senderAddress(options.from) }),
    isFromMe: options.isFromMe,
    isSent: options.isFromMe,
    isDelivered: true,
    isAudioMessage: options.isAudioMessage ?? false,
    itemType: "MESSAGE_ITEM_TYPE_NORMAL",
    chatGuids: [options.chatGuid],
  };
}

const TAPBACK_KIND: Record<TapbackKind, string> = {
  love: "MESSAGE_REACTION_KIND_LOVE",
  like: "MESSAGE_REACTION_KIND_LIKE",
  dislike: "MESSAGE_REACTION_KIND_DISLIKE",
  laugh: "MESSAGE_REACTION_KIND_LAUGH",
  emphasize: "MESSAGE_REACTION_KIND_EMPHASIZE",
  question: "MESSAGE_REACTION_KIND_QUESTION",
};

export interface BuiltInbound {
  chatGuid: string;
  /** The new message's GUID; for a reaction, the reacted-to message's GUID. */
  messageGuid: string;
  /** The `MessageChangeEvent` to append to the event log. */
  change: Record<string, unknown>;
  /** Messages and attachments the service now knows (for `GetMessage` / `DownloadAttachment`). */
  storedMessage?: Record<string, unknown>;
  storedAttachments: Array<{ guid: string; attachment: FakeAttachment }>;
}

/** Turns an `InboundSpec` into the change event the service streams, with fresh GUIDs from `nextGuid`. */
export function buildInbound(
  spec: InboundSpec,
  at: Date,
  nextGuid: (prefix: string) => string,
): BuiltInbound {
  const chatGuid = spec.chatGuid ?? dmChatGuid(spec.from);
  const envelope = {
    chatGuid,
    occurredAt: protoTimestamp(at),
    actor: senderAddress(spec.from),
    isFromMe: false,
  };
  if (spec.type === "reaction") {
    const reaction = spec.kind
      ? { kind: TAPBACK_KIND[spec.kind] }
      : { kind: "MESSAGE_REACTION_KIND_EMOJI", emoji: spec.emoji ?? "👍" };
    return {
      chatGuid,
      messageGuid: spec.targetGuid,
      change: { ...envelope, reactionAdded: { messageGuid: spec.targetGuid, reaction } },
      storedAttachments: [],
    };
  }
  const guid = nextGuid("in");
  const storedAttachments: BuiltInbound["storedAttachments"] = [];
  let message: Record<string, unknown>;
  switch (spec.type) {
    case "text":
      message = protoMessage({
        guid,
        chatGuid,
        from: spec.from,
        isFromMe: false,
        at,
        text: spec.text,
      });
      break;
    case "richlink":
      message = protoMessage({
        guid,
        chatGuid,
        from: spec.from,
        isFromMe: false,
        at,
        text: spec.url,
        balloonBundleId: URL_BALLOON_PROVIDER,
      });
      break;
    case "attachment":
    case "voice": {
      const attachmentGuid = nextGuid("att");
      const fileName = spec.fileName ?? "Audio Message.m4a";
      const mimeType = spec.mimeType ?? "audio/x-m4a";
      const info = attachmentInfo(attachmentGuid, fileName, mimeType, spec.data.byteLength, false);
      storedAttachments.push({
        guid: attachmentGuid,
        attachment: { info, data: Buffer.from(spec.data) },
      });
      message = protoMessage({
        guid,
        chatGuid,
        from: spec.from,
        isFromMe: false,
        at,
        ...(spec.type === "attachment" && spec.text !== undefined ? { text: spec.text } : {}),
        attachments: [info],
        isAudioMessage: spec.type === "voice",
      });
      break;
    }
  }
  return {
    chatGuid,
    messageGuid: guid,
    change: { ...envelope, messageReceived: { message } },
    storedMessage: message,
    storedAttachments,
  };
}
