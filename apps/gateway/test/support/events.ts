// Real normalized events for tests (built by relay-adapter's own trust-boundary parser).
import {
  eventFromWire,
  type RelayMessageEvent,
  type WireMessageEvent,
  type WireSessionSource,
} from "@hermes/relay-adapter";

export function relayEvent(
  text: string,
  over: Partial<Omit<WireMessageEvent, "source">> & { source?: Partial<WireSessionSource> } = {},
): RelayMessageEvent {
  const { source, ...rest } = over;
  const r = eventFromWire({
    text,
    ...rest,
    source: { platform: "discord", chat_id: "c1", chat_type: "dm", user_id: "u", ...source },
  });
  if (!r.ok) throw new Error(r.message);
  return r.event;
}
