// Types shared by the reference connector and its HTTP routes (a module of their own, so the
// routes need not import the connector class).
import type { ConnectorFrame, OutboundAction, OutboundResult } from "../protocol/types.js";

export interface OutboundRecord {
  gatewayId: string;
  requestId: string;
  platform: string | null;
  botId: string | null;
  action: OutboundAction;
  at: number;
}

/** What `onOutbound` may answer: a result, a delayed result, or no answer at all. */
export type OutboundAnswer =
  OutboundResult | { delayMs: number; result: OutboundResult } | "no-answer" | undefined;

export type PushResult =
  | { delivered: "live" }
  | { delivered: "buffered"; bufferId: string }
  | { delivered: "dropped"; reason: string };

export interface BufferedItem {
  bufferId: string;
  frame: Extract<ConnectorFrame, { type: "inbound" } | { type: "passthrough_forward" }>;
}

/** The connector's view of the link, for `GET /dev/state` and tests. Never secrets. */
export interface ConnectorState {
  connections: number;
  gateways: Record<
    string,
    { connected: boolean; revoked: boolean; buffered: boolean; buffer: number; dials: number }
  >;
  outbound: number;
  policies: number;
}
