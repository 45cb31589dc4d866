/**
 * @hermes/relay-adapter/protocol: the pure (no I/O) half of the relay contract, importable on
 * its own by a connector written in TypeScript: wire types, frame framing and validation,
 * descriptor parsing and the op rule, inbound event normalization, passthrough forwards, the
 * session-key oracle, and the URL mapping, as docs/contract/relay.md describes them.
 */
export * from "./command-manifest.js";
export * from "./descriptor.js";
export * from "./egress.js";
export * from "./event.js";
export * from "./framing.js";
export * from "./frames.js";
export * from "./passthrough.js";
export * from "./session-key.js";
export * from "./urls.js";
export type * from "./types.js";
