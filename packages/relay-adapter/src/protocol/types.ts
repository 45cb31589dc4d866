// Wire types of the relay link (docs/contract/relay.md#frame-catalogue). Pure declarations.
// Field names follow the wire (snake_case where the wire uses it).

/** Capability descriptor, contract_version 1 (docs/contract/relay.md#capability-descriptor), after trust-boundary normalization. */
export interface Descriptor {
  contract_version: number;
  platform: string;
  label: string;
  max_message_length: number;
  supports_draft_streaming: boolean;
  supports_edit: boolean;
  supports_threads: boolean;
  markdown_dialect: string;
  len_unit: "chars" | "utf16" | string;
  emoji: string;
  platform_hint: string;
  pii_safe: boolean;
  supports_context: boolean;
  supports_inchannel_continuable: boolean;
  supports_block_formatting: boolean;
  supported_ops: string[];
}

/** SessionSource on the wire (docs/contract/relay.md#session-source). Unknown extra keys may be present. */
export interface WireSessionSource {
  platform: string;
  chat_id: string;
  chat_type: "dm" | "group" | "channel" | "thread" | "forum" | string;
  chat_name?: string | null;
  user_id?: string | null;
  user_name?: string | null;
  user_display_name?: string | null;
  user_handle?: string | null;
  thread_id?: string | null;
  chat_topic?: string | null;
  user_id_alt?: string | null;
  chat_id_alt?: string | null;
  scope_id?: string | null;
  guild_id?: string | null;
  parent_chat_id?: string | null;
  message_id?: string | null;
  profile?: string | null;
  auto_thread_created?: boolean | null;
  auto_thread_initial_name?: string | null;
  prospective_thread_id?: string | null;
  [key: string]: unknown;
}

/** MessageEvent on the wire (docs/contract/relay.md#inbound-events). */
export interface WireMessageEvent {
  text: string;
  message_type?: string;
  source: WireSessionSource;
  message_id?: string | null;
  reply_to_message_id?: string | null;
  reply_to?: { text?: string; author?: string; is_own?: boolean } | null;
  media_urls?: string[];
  media?: {
    url: string;
    kind?: string;
    mime?: string;
    size?: number;
    filename?: string;
    caption?: string;
  }[];
  context?: { author?: string; text?: string; [key: string]: unknown }[];
  context_error?: string | null;
  prompt_response?: {
    prompt_id: string;
    option_id: string;
    label?: string;
    prompt_message_id?: string;
  } | null;
  [key: string]: unknown;
}

/** A passthrough forward (docs/contract/relay.md#discord-passthrough): an edge-ACKed webhook, body base64. */
export interface WirePassthroughForward {
  platform: string;
  botId: string;
  method: string;
  path: string;
  headers: [string, string][];
  bodyB64: string;
  profile?: string;
}

/** An outbound action (docs/contract/relay.md#outbound-actions): `{op, ...fields}`. */
export interface OutboundAction {
  op: string;
  [field: string]: unknown;
}

/** Result of an outbound action: always a dict, never an exception (docs/contract/relay.md#outbound-results). */
export interface OutboundResult {
  success?: boolean;
  error?: string;
  ambiguous?: boolean;
  message_id?: string;
  [key: string]: unknown;
}

/** Gateway → connector frames (docs/contract/relay.md#gateway-to-connector-frames). */
export type GatewayFrame =
  | { type: "hello"; platform: string; botId: string; command_manifest?: unknown }
  | {
      type: "outbound";
      requestId: string;
      action: OutboundAction;
      platform?: string;
      botId?: string;
    }
  | { type: "interrupt"; session_key: string; reason?: string }
  | { type: "going_idle" }
  | { type: "inbound_ack"; bufferId: string };

/** Connector → gateway frames (docs/contract/relay.md#connector-to-gateway-frames). */
export type ConnectorFrame =
  | { type: "descriptor"; descriptor: unknown }
  | { type: "outbound_result"; requestId: string; result: OutboundResult }
  | { type: "inbound"; event: WireMessageEvent; bufferId?: string }
  | { type: "interrupt_inbound"; session_key: string; chat_id: string }
  | { type: "passthrough_forward"; forward: WirePassthroughForward; bufferId?: string }
  | { type: "going_idle_ack" };
