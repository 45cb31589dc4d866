// The legacy mode end to end: connector-signed HTTP delivery → receiver → RelayAdapter → host.
import { DELIVERY_SIG_HEADER, DELIVERY_TS_HEADER, signDelivery } from "@hermes/relay-crypto";
import { afterEach, expect, it } from "vitest";
import {
  RelayAdapter,
  isUpstreamRelayEvent,
  startInboundReceiver,
  type RelayMessageEvent,
} from "../src/index.js";
import type { InboundReceiverServer, RelayTransport } from "../src/index.js";
import { initialTransportState } from "../src/transport/types.js";

const KEY = "tenant-delivery-key";

const idleTransport: RelayTransport = {
  setInboundHandler: () => undefined,
  setInterruptHandler: () => undefined,
  setPassthroughHandler: () => undefined,
  connect: () => Promise.reject(new Error("not used")),
  sendOutbound: async () => ({ success: true, message_id: "m" }),
  interrupt: () => undefined,
  goIdle: async () => true,
  disconnect: async () => undefined,
  state: initialTransportState(),
  onAuthRevoked: () => undefined,
};

let server: InboundReceiverServer | null = null;
afterEach(async () => {
  await server?.close();
});

it("delivers a signed message and interrupt to the host through the adapter, stamped and scoped", async () => {
  const sent: unknown[] = [];
  const adapter = new RelayAdapter({
    transport: { ...idleTransport, sendOutbound: async (a) => (sent.push(a), { success: true }) },
  });
  const events: RelayMessageEvent[] = [];
  const interrupts: string[][] = [];
  adapter.setMessageHandler((e) => {
    events.push(e);
  });
  adapter.setInterruptHandler((k, c) => {
    interrupts.push([k, c]);
  });
  server = await startInboundReceiver({
    port: 0,
    verifyKeys: [KEY],
    onMessage: (e) => adapter.deliverInbound(e),
    onInterrupt: (k, c) => adapter.deliverInterrupt(k, c),
  });
  const post = async (path: string, body: string) => {
    const { timestamp, signature } = signDelivery(body, KEY);
    const res = await fetch(`${server!.url}${path}`, {
      method: "POST",
      headers: { [DELIVERY_TS_HEADER]: timestamp, [DELIVERY_SIG_HEADER]: signature },
      body,
    });
    return res.status;
  };
  const message = JSON.stringify({
    type: "message",
    event: {
      text: "hi",
      source: { platform: "discord", chat_id: "C1", chat_type: "channel", guild_id: "G1" },
    },
  });
  expect(await post("/", message)).toBe(200);
  expect(await post("/interrupt", '{"session_key":"k","chat_id":"C1"}')).toBe(200);
  expect(events.map((e) => e.text)).toEqual(["hi"]);
  expect(isUpstreamRelayEvent(events[0])).toBe(true);
  expect(interrupts).toEqual([["k", "C1"]]);
  await adapter.send("C1", "reply");
  expect(sent).toEqual([
    { op: "send", chat_id: "C1", content: "reply", metadata: { guild_id: "G1", scope_id: "G1" } },
  ]);
});
