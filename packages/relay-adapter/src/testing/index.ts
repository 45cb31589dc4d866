/**
 * @hermes/relay-adapter/testing: test doubles for code built on the relay link.
 * - `ReferenceConnector`: a real connector on 127.0.0.1 (WebSocket link, connector HTTP routes,
 *   buffering and replay, revocation, a control API) — see TESTING.md.
 * - `StubTransport`: an in-memory `RelayTransport` for unit tests of a `RelayAdapter` host.
 */
export { ReferenceConnector, egressDeclined } from "./reference-connector.js";
export type {
  ReferenceConnectorOptions,
  OutboundRecord,
  OutboundAnswer,
  PushResult,
  BufferedItem,
  ConnectorState,
} from "./reference-connector.js";
export type { HttpRoute } from "./connector-http.js";
export { MEDIA_CAP } from "./connector-http.js";
export { referenceDescriptor } from "./descriptors.js";
export { StubTransport } from "./stub-transport.js";
export type { StubTransportOptions } from "./stub-transport.js";
export { ChatSurface, promptAnswer } from "./chat-surface.js";
export type { ChatMessage, ChatActivity } from "./chat-surface.js";
export { publishMedia } from "./media-store.js";
