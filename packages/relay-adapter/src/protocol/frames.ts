// Frame validation for both directions of the link (docs/contract/relay.md#frame-catalogue). A frame that is not what its
// `type` promises is reported, never thrown; unknown types are ignored (forward compatibility).
import type {
  ConnectorFrame,
  GatewayFrame,
  OutboundAction,
  OutboundResult,
  WireMessageEvent,
  WirePassthroughForward,
} from "./types.js";
import { isObject, type JsonRecord } from "./guards.js";

export type FrameParseResult<F> =
  | { ok: true; frame: F }
  /** `unknown`: a type this side does not know or ignores (echoes); `invalid`: a known type with bad fields. */
  | { ok: false; kind: "unknown" | "invalid"; type: string; message: string };

function label(value: unknown): string {
  return typeof value === "string" ? value.slice(0, 64) : typeof value;
}
function invalid<F>(type: string, message: string): FrameParseResult<F> {
  return { ok: false, kind: "invalid", type, message };
}
function bufferIdOf(frame: JsonRecord): { bufferId?: string } {
  const b = frame["bufferId"];
  return typeof b === "string" && b !== "" ? { bufferId: b } : {};
}

/** Validate a connector → gateway frame (what the gateway reads). */
export function parseConnectorFrame(frame: JsonRecord): FrameParseResult<ConnectorFrame> {
  const type = frame["type"];
  switch (type) {
    case "descriptor":
      return { ok: true, frame: { type, descriptor: frame["descriptor"] } };
    case "outbound_result": {
      const requestId = frame["requestId"];
      if (typeof requestId !== "string")
        return invalid(type, "outbound_result without a string requestId");
      const result = isObject(frame["result"])
        ? (frame["result"] as OutboundResult)
        : { success: false, error: "relay connector sent a malformed result" };
      return { ok: true, frame: { type, requestId, result } };
    }
    case "inbound":
      if (!isObject(frame["event"])) return invalid(type, "inbound without an event object");
      return {
        ok: true,
        frame: { type, event: frame["event"] as WireMessageEvent, ...bufferIdOf(frame) },
      };
    case "interrupt_inbound": {
      const sessionKey = frame["session_key"];
      if (typeof sessionKey !== "string" || sessionKey === "")
        return invalid(type, "interrupt_inbound without a session_key");
      const chatId = frame["chat_id"];
      return {
        ok: true,
        frame: { type, session_key: sessionKey, chat_id: typeof chatId === "string" ? chatId : "" },
      };
    }
    case "passthrough_forward":
      if (!isObject(frame["forward"]))
        return invalid(type, "passthrough_forward without a forward object");
      return {
        ok: true,
        frame: {
          type,
          forward: frame["forward"] as unknown as WirePassthroughForward,
          ...bufferIdOf(frame),
        },
      };
    case "going_idle_ack":
      return { ok: true, frame: { type } };
    default:
      return {
        ok: false,
        kind: "unknown",
        type: label(type),
        message: `ignored frame type ${JSON.stringify(label(type))}`,
      };
  }
}

/** Validate a gateway → connector frame (what a connector reads). */
export function parseGatewayFrame(frame: JsonRecord): FrameParseResult<GatewayFrame> {
  const type = frame["type"];
  switch (type) {
    case "hello": {
      const { platform, botId } = frame;
      if (typeof platform !== "string" || platform === "")
        return invalid(type, "hello without a platform");
      if (typeof botId !== "string") return invalid(type, "hello without a string botId");
      const out: Extract<GatewayFrame, { type: "hello" }> = { type, platform, botId };
      if (frame["command_manifest"] !== undefined) out.command_manifest = frame["command_manifest"];
      return { ok: true, frame: out };
    }
    case "outbound": {
      const requestId = frame["requestId"];
      const action = frame["action"];
      if (typeof requestId !== "string" || requestId === "")
        return invalid(type, "outbound without a requestId");
      if (!isObject(action) || typeof action["op"] !== "string")
        return invalid(type, "outbound without an action.op");
      const out: Extract<GatewayFrame, { type: "outbound" }> = {
        type,
        requestId,
        action: action as OutboundAction,
      };
      if (typeof frame["platform"] === "string") out.platform = frame["platform"];
      if (typeof frame["botId"] === "string") out.botId = frame["botId"];
      return { ok: true, frame: out };
    }
    case "interrupt": {
      const sessionKey = frame["session_key"];
      if (typeof sessionKey !== "string" || sessionKey === "")
        return invalid(type, "interrupt without a session_key");
      const out: Extract<GatewayFrame, { type: "interrupt" }> = { type, session_key: sessionKey };
      if (typeof frame["reason"] === "string") out.reason = frame["reason"];
      return { ok: true, frame: out };
    }
    case "going_idle":
      return { ok: true, frame: { type } };
    case "inbound_ack": {
      const bufferId = frame["bufferId"];
      if (typeof bufferId !== "string" || bufferId === "")
        return invalid(type, "inbound_ack without a bufferId");
      return { ok: true, frame: { type, bufferId } };
    }
    default:
      return {
        ok: false,
        kind: "unknown",
        type: label(type),
        message: `ignored frame type ${JSON.stringify(label(type))}`,
      };
  }
}
