// What one turn may do in its chat, independent of the transport: the chat's capabilities (from
// the descriptor of the chat's platform) and its outbound ops. The runtime builds one per turn
// from the RelayAdapter; tests build one over a stub.
import type { MediaUploadResult, OutboundResult } from "@hermes/relay-adapter";
import type { LenUnit } from "./split.js";

export interface ChatCapabilities {
  readonly platform: string;
  readonly maxMessageLength: number;
  readonly lenUnit: LenUnit;
  /** Whether the connector takes this op for the chat (descriptor `supported_ops`). */
  supports(op: string): boolean;
  /** Whether a reply may be shown while it is written (send, then edits). */
  readonly streaming: boolean;
}

export interface ChatOutbound {
  readonly capabilities: ChatCapabilities;
  /**
   * A text message; resolves with its id (null when none was given); rejects
   * (GATEWAY_SEND_FAILED) when not delivered. `onHandedOff`, when given, is called once the
   * message is written to an ordered link (a later send to this chat goes out after it, and
   * this one is never sent again) and only the connector's answer is awaited; an outbound that
   * cannot tell never calls it.
   */
  send(text: string, signal: AbortSignal, onHandedOff?: () => void): Promise<string | null>;
  /** Any other op on this chat (`chat_id` and thread are added). Never rejects. */
  action(op: string, fields: Record<string, unknown>): Promise<OutboundResult>;
  /** Put a local file on the connector for `send_media`. Never rejects. */
  upload(path: string, signal: AbortSignal): Promise<MediaUploadResult>;
}

/** Streaming by edits needs the descriptor's edit (or draft) capability and the `edit` op. */
export function streamingAllowed(
  d: { readonly supports_edit: boolean; readonly supports_draft_streaming: boolean },
  chat: { supports(op: string): boolean },
): boolean {
  return (d.supports_edit || d.supports_draft_streaming) && chat.supports("edit");
}

export class SendFailedError extends Error {
  readonly code = "GATEWAY_SEND_FAILED";
  constructor(message: string) {
    super(message);
    this.name = "SendFailedError";
  }
}

/** Error code of a reply the connector refused (egress declined): not retried, not re-sent. */
export const REPLY_DECLINED = "GATEWAY_REPLY_DECLINED";

/**
 * The connector's egress guard refused an op of the reply (an authorization decision the adapter
 * already logged once). The turn ends here: the op is not retried and its content is not re-sent
 * through another op (media as text, a prompt as numbered text, an edit as a new message).
 */
export class ReplyDeclinedError extends Error {
  readonly code = REPLY_DECLINED;
  constructor(op: string) {
    super(`reply ${op} declined by the connector (egress declined); not resent`);
    this.name = "ReplyDeclinedError";
  }
}
