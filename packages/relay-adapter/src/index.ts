/**
 * @hermes/relay-adapter: the gateway half of the Hermes relay link.
 *
 * - `WebSocketRelayTransport`: the link itself (docs/contract/relay.md#the-websocket-link): upgrade auth, hellos, descriptors,
 *   framing, keepalive, outbound request/response, going_idle, acks, reconnect, revocation.
 * - `RelayAdapter`: the platform adapter a host (apps/gateway) drives; capabilities come from
 *   the connector's descriptor, wire I/O from a `RelayTransport`.
 * - `PlatformAdapter` & co.: the interface every platform adapter implements for a host.
 * - `createInboundReceiver` / `startInboundReceiver`: the legacy signed-HTTP inbound mode (docs/contract/relay.md#signed-http-receiver).
 * - Everything of `@hermes/relay-adapter/protocol` (pure wire helpers) is re-exported here.
 *
 * Test doubles and the reference connector live under `@hermes/relay-adapter/testing`.
 */
export * from "./protocol/index.js";

export { RelayAdapter } from "./adapter/relay-adapter.js";
export type {
  RelayAdapterOptions,
  ActionFields,
  SendActionOptions,
  ChatCapabilities,
} from "./adapter/relay-adapter.js";
export type { RelayLogger, RelayLogLevel } from "./logger.js";
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

export {
  createInboundReceiver,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_REPLAY_ENTRIES,
} from "./receiver/inbound-receiver.js";
export type { InboundReceiverOptions } from "./receiver/inbound-receiver.js";
export {
  startInboundReceiver,
  startBoundedHttpServer,
  InboundReceiverOptionsError,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_CLOSE_GRACE_MS,
} from "./receiver/server.js";
export type {
  InboundReceiverServer,
  InboundReceiverServerOptions,
  BoundedHttpServer,
  BoundedHttpServerOptions,
} from "./receiver/server.js";

export {
  WebSocketRelayTransport,
  NOT_CONNECTED as RELAY_NOT_CONNECTED,
  DIAL_FAILURES_WARN_FROM,
  DIAL_FAILURES_ERROR_FROM,
  REFUSALS_ERROR_FROM,
} from "./transport/websocket-transport.js";
export type { WebSocketRelayTransportOptions } from "./transport/websocket-transport.js";
export { RelayConnectError } from "./transport/errors.js";
export { checkRelayConnection } from "./transport/check-connection.js";
export type {
  RelayConnectionCheck,
  RelayConnectionCheckOptions,
  RelayConnectionOutcome,
} from "./transport/check-connection.js";
export type { RelayConnectErrorCode } from "./transport/errors.js";
export { backoffDelay } from "./transport/backoff.js";
export { ackAfter, DeferredAck } from "./transport/inbox.js";
export type { BackoffOptions } from "./transport/backoff.js";
export type {
  RelayTransport,
  RelayTransportState,
  RelayIdentity,
  InboundMeta,
  InboundHandler,
  InboundHandlerResult,
  InterruptHandler,
  PassthroughHandler,
  SendOutboundOptions,
} from "./transport/types.js";

export * from "./media/index.js";
