// An in-memory ChatOutbound: records every op, answers success with message ids (or as told).
import type { OutboundResult } from "@hermes/relay-adapter";
import type { ChatOutbound } from "../../src/reply/chat-outbound.js";
import type { LenUnit } from "../../src/reply/split.js";

export interface FakeChatOptions {
  platform?: string;
  maxMessageLength?: number;
  lenUnit?: LenUnit;
  ops?: string[];
  streaming?: boolean;
  answer?: (op: string, fields: Record<string, unknown>) => OutboundResult | undefined;
}

export interface FakeOp {
  op: string;
  fields: Record<string, unknown>;
}

export function fakeChat(opts: FakeChatOptions = {}): {
  out: ChatOutbound;
  ops: FakeOp[];
  texts: () => string[];
} {
  const ops: FakeOp[] = [];
  let n = 0;
  const supported = new Set(
    opts.ops ?? ["send", "edit", "typing", "react", "send_media", "prompt"],
  );
  const answer = (op: string, fields: Record<string, unknown>): OutboundResult => {
    ops.push({ op, fields });
    return opts.answer?.(op, fields) ?? { success: true, message_id: `m${++n}` };
  };
  const out: ChatOutbound = {
    capabilities: {
      platform: opts.platform ?? "discord",
      maxMessageLength: opts.maxMessageLength ?? 2000,
      lenUnit: opts.lenUnit ?? "chars",
      supports: (op) => supported.has(op),
      streaming: opts.streaming ?? false,
    },
    send: async (text) => {
      const r = answer("send", { content: text });
      if (r.success !== true)
        throw Object.assign(new Error(`not delivered: ${r.error}`), {
          code: "GATEWAY_SEND_FAILED",
        });
      return typeof r.message_id === "string" ? r.message_id : null;
    },
    action: async (op, fields) =>
      supported.has(op)
        ? answer(op, fields)
        : { success: false, unsupported: true, error: `relay op "${op}" is not supported` },
    upload: async (path) => ({
      ok: true,
      url: `http://connector/relay/media/${encodeURIComponent(path).replace(/%/g, "")}`,
      id: "id",
      size: 1,
    }),
  };
  return {
    out,
    ops,
    texts: () => ops.filter((o) => o.op === "send").map((o) => String(o.fields["content"])),
  };
}
