/**
 * @hermes/relay-adapter/protocol: the pure (no I/O) half of the relay contract, importable on
 * its own by a connector written in TypeScript: wire types, frame framing and validation,
 * descriptor parsing and the op rule (§2.2), inbound event normalization (§2.3), passthrough
 * forwards (§4), the session-key oracle (§5), and the URL mapping (§2, §7).
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
