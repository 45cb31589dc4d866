// PRIVATE STOP-GAP: the host-facing message event and the upstream-trust marker.
// The protocol module's `eventFromWire` / `isUpstreamRelayEvent` (§2.3) are the real thing;
// this file exists only until they land, and is the single place to switch over.
import type { WireMessageEvent, WireSessionSource } from "../protocol/types.js";

const KNOWN_TYPES = new Set(["text", "command", "image", "audio", "document", "voice", "video", "sticker", "location"]);

/** An inbound message as the host sees it. */
export interface AdapterMessageEvent {
  text: string;
  messageType: string;
  source: WireSessionSource;
  messageId: string | null;
  /** The wire event as received (read-only view for fields not lifted above). */
  wire: WireMessageEvent;
}

// Marker: membership in this set, stamped only by toMessageEvent. A copied or hand-built
// event is a different object and never carries it; nothing on the wire can set it.
const stamped = new WeakSet<object>();

export function toMessageEvent(wire: WireMessageEvent): AdapterMessageEvent {
  const source = typeof wire.source === "object" && wire.source !== null ? { ...wire.source } : ({} as WireSessionSource);
  const mt = typeof wire.message_type === "string" && KNOWN_TYPES.has(wire.message_type) ? wire.message_type : "text";
  const event: AdapterMessageEvent = {
    text: typeof wire.text === "string" ? wire.text : "",
    messageType: mt,
    source,
    messageId: typeof wire.message_id === "string" ? wire.message_id : null,
    wire,
  };
  stamped.add(event);
  return event;
}

/** True only for an event built by this adapter from a relay frame. */
export function isUpstreamRelayEvent(event: unknown): boolean {
  return typeof event === "object" && event !== null && stamped.has(event);
}
