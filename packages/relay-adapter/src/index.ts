/**
 * @hermes/relay-adapter: the gateway half of the Hermes relay link.
 *
 * - `RelayAdapter`: the platform adapter a host (apps/gateway) drives; capabilities come from
 *   the connector's descriptor, wire I/O from an injected `RelayTransport`.
 * - `PlatformAdapter` & co.: the interface every platform adapter implements for a host.
 * - `createInboundReceiver` / `startInboundReceiver`: the legacy signed-HTTP inbound mode (§6).
 * - `buildSessionKey`: the session-key oracle shared with the connector (§5).
 *
 * Wire types and pure helpers also live under `@hermes/relay-adapter/protocol`
 * (the transport, the test doubles and the reference connector are not built yet).
 */
export { RelayAdapter } from "./adapter/relay-adapter.js";
export type { RelayAdapterOptions, RelayAdapterLogger, ActionFields } from "./adapter/relay-adapter.js";
export type {
  PlatformAdapter,
  AdapterFatalError,
  SendResult,
  SendOptions,
  ChatInfo,
  MessageEventHandler,
  SessionInterruptHandler,
  FatalErrorHandler,
} from "./adapter/platform-adapter.js";
export { RelayDisabledError, RELAY_DISABLED_MESSAGE } from "./adapter/errors.js";
export { isUpstreamRelayEvent } from "./adapter/inbound-event.js";
export type { AdapterMessageEvent } from "./adapter/inbound-event.js";
export { codePointLength, utf16Length } from "./adapter/capabilities.js";

export {
  createInboundReceiver,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_REPLAY_ENTRIES,
} from "./receiver/inbound-receiver.js";
export type { InboundReceiverOptions, ReceiverLogger } from "./receiver/inbound-receiver.js";
export { startInboundReceiver } from "./receiver/server.js";
export type { InboundReceiverServer, InboundReceiverServerOptions } from "./receiver/server.js";

export { buildSessionKey, sessionNamespace } from "./protocol/session-key.js";
export type { SessionKeySource, SessionKeyOptions } from "./protocol/session-key.js";
export { discordInteractionToEvent } from "./protocol/passthrough.js";
export type { PassthroughResult, PassthroughDropReason } from "./protocol/passthrough.js";

export type {
  Descriptor,
  WireMessageEvent,
  WireSessionSource,
  WirePassthroughForward,
  OutboundAction,
  OutboundResult,
  GatewayFrame,
  ConnectorFrame,
} from "./protocol/types.js";
export type {
  RelayTransport,
  RelayTransportState,
  RelayIdentity,
  InboundMeta,
  InboundHandler,
  InterruptHandler,
  PassthroughHandler,
  SendOutboundOptions,
} from "./transport/types.js";
