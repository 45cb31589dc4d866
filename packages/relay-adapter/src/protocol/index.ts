/**
 * @hermes/relay-adapter/protocol: the pure (no I/O) half of the relay contract, importable on
 * its own by a connector written in TypeScript: wire types, the session-key oracle (§5) and
 * the Discord interaction passthrough conversion (§4).
 */
export * from "./session-key.js";
export * from "./passthrough.js";
export type * from "./types.js";
