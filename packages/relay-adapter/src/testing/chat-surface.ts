// What a chat user would see of a gateway's replies, rebuilt from the outbound ops a
// ReferenceConnector answered: messages (with their edits applied), media, prompts with their
// buttons, typing and reactions. Tests assert on this instead of on raw frames, and answer a
// prompt the way a button press arrives (`promptAnswer`).
import type { EventEmitter } from "node:events";
import type {
  ConnectorFrame,
  OutboundAction,
  WireMessageEvent,
  WireSessionSource,
} from "../protocol/types.js";

export interface ChatMessage {
  readonly messageId: string;
  readonly chatId: string;
  readonly op: "send" | "send_media" | "prompt";
  /** The text now shown (after edits). */
  content: string;
  /** Every text it showed, first send then each edit, in order. */
  readonly versions: string[];
  /** When each version arrived (ms since the epoch, connector clock). */
  readonly versionAt: number[];
  readonly mediaKind?: string;
  readonly sourceUrl?: string;
  readonly promptId?: string;
  readonly options?: readonly { id: string; label: string }[];
}

export interface ChatActivity {
  readonly chatId: string;
  readonly op: "typing" | "react";
  readonly content?: string;
  readonly messageId?: string;
  readonly emoji?: string;
  readonly remove?: boolean;
  readonly at: number;
}

interface OutboundRecordLike {
  readonly requestId: string;
  readonly action: OutboundAction;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export class ChatSurface {
  /** By message id, in the order they were first sent. */
  readonly messages = new Map<string, ChatMessage>();
  readonly activity: ChatActivity[] = [];
  readonly #pending = new Map<string, OutboundAction>();

  constructor(events: EventEmitter) {
    events.on("outbound", (r: OutboundRecordLike) => this.#pending.set(r.requestId, r.action));
    events.on("frame", (f: { direction: string; frame: ConnectorFrame }) => {
      if (f.direction !== "out" || f.frame.type !== "outbound_result") return;
      const action = this.#pending.get(f.frame.requestId);
      if (action === undefined) return;
      this.#pending.delete(f.frame.requestId);
      if (f.frame.result.success === true) this.#apply(action, str(f.frame.result.message_id));
    });
  }

  /** Messages of one chat, in order. */
  inChat(chatId: string): ChatMessage[] {
    return [...this.messages.values()].filter((m) => m.chatId === chatId);
  }

  /** The chat's text as a reader sees it: every text message's current content, in order. */
  transcript(chatId: string): string[] {
    return this.inChat(chatId).map((m) => m.content);
  }

  #apply(action: OutboundAction, messageId: string | undefined): void {
    const chatId = str(action["chat_id"]) ?? "";
    const content = str(action["content"]) ?? "";
    const at = Date.now();
    switch (action.op) {
      case "send":
      case "send_media":
      case "prompt": {
        if (messageId === undefined) return;
        const options = Array.isArray(action["options"])
          ? (action["options"] as unknown[]).map((o) => ({
              id: String((o as { id?: unknown }).id),
              label: String((o as { label?: unknown }).label),
            }))
          : undefined;
        const mediaKind = str(action["media_kind"]);
        const sourceUrl = str(action["source_url"]);
        const promptId = str(action["prompt_id"]);
        this.messages.set(messageId, {
          messageId,
          chatId,
          op: action.op,
          content,
          versions: [content],
          versionAt: [at],
          ...(mediaKind === undefined ? {} : { mediaKind }),
          ...(sourceUrl === undefined ? {} : { sourceUrl }),
          ...(promptId === undefined ? {} : { promptId }),
          ...(options === undefined ? {} : { options }),
        });
        return;
      }
      case "edit": {
        const m = this.messages.get(str(action["message_id"]) ?? "");
        if (m === undefined) return;
        m.content = content;
        m.versions.push(content);
        m.versionAt.push(at);
        return;
      }
      case "typing":
        this.activity.push({
          chatId,
          op: "typing",
          ...(typeof action["content"] === "string" ? { content: action["content"] } : {}),
          at,
        });
        return;
      case "react": {
        const messageIdOf = str(action["message_id"]);
        const emoji = str(action["emoji"]);
        this.activity.push({
          chatId,
          op: "react",
          ...(messageIdOf === undefined ? {} : { messageId: messageIdOf }),
          ...(emoji === undefined ? {} : { emoji }),
          remove: action["remove"] === true,
          at,
        });
        return;
      }
    }
  }
}

/**
 * The inbound event a press of `optionId` on a prompt produces (what the connector forwards
 * for a button, docs/contract/relay.md#discord-passthrough): text `/<option_id>` as a command, with `prompt_response`.
 */
export function promptAnswer(
  prompt: ChatMessage,
  optionId: string,
  source: WireSessionSource,
  messageId = `press-${optionId}`,
): WireMessageEvent {
  const label = prompt.options?.find((o) => o.id === optionId)?.label;
  return {
    text: `/${optionId}`,
    message_type: "command",
    message_id: messageId,
    source,
    prompt_response: {
      prompt_id: prompt.promptId ?? "",
      option_id: optionId,
      ...(label === undefined ? {} : { label }),
      prompt_message_id: prompt.messageId,
    },
  };
}
