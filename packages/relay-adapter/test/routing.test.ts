// Routing a real connector accepts, over loopback: a gateway fronting Discord and Telegram on
// one link against the ReferenceConnector with its egress guard on. Replies leave through the
// identity their chat arrived on, carry the tenant discriminators, are split by their own
// platform's descriptor; refusals are classified and never retried; a Discord command comes
// back as `/name options`; dormancy closes the link and the re-dial drains the buffer.
import { afterEach, describe, expect, it } from "vitest";
import { RelayAdapter, WebSocketRelayTransport, type RelayMessageEvent } from "../src/index.js";
import { buildCommandManifest } from "../src/protocol/index.js";
import { ReferenceConnector } from "../src/testing/index.js";
import { controlPost } from "./support/control-api.js";

const SECRET = "routing-test-secret";
const GW = "gw-routing";
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: { dormantRedialMs?: number } = {}) {
  const connector = await new ReferenceConnector({
    gateways: { [GW]: [SECRET] },
    egressGuard: true,
  }).start();
  cleanups.push(() => connector.stop());
  const warnings: string[] = [];
  const { manifest } = buildCommandManifest([
    { name: "ask", description: "Ask the agent", argsHint: "question" },
  ]);
  const transport = new WebSocketRelayTransport({
    url: connector.baseUrl,
    gatewayId: GW,
    secret: SECRET,
    identities: [
      { platform: "discord", botId: "dc-bot", commandManifest: manifest },
      { platform: "telegram", botId: "tg-bot" },
    ],
    backoff: { initialMs: 10, maxMs: 40, jitter: 0 },
    dormantRedialMs: opts.dormantRedialMs ?? 10,
  });
  const adapter = new RelayAdapter({ transport, logger: { warn: (m) => void warnings.push(m) } });
  const events: RelayMessageEvent[] = [];
  adapter.setMessageHandler((e) => void events.push(e));
  cleanups.push(() => adapter.disconnect({ budgetMs: 1_000 }));
  const handshake = connector.waitFor<{ platform: string }>("handshake");
  expect(await adapter.connect()).toBe(true);
  await handshake;
  // Both descriptors: the first resolves the handshake, the second follows on the same link.
  await until(() => transport.descriptorFor("telegram") !== undefined);
  return { connector, transport, adapter, events, warnings };
}

function until(predicate: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      if (predicate()) return resolve();
      if (Date.now() - started > 10_000) return reject(new Error("timed out"));
      setTimeout(tick, 5);
    };
    tick();
  });
}

describe("routing over a two-platform link", () => {
  it("answers each chat through its own identity with its tenant discriminators, and splits by its own descriptor", async () => {
    const { connector, adapter, events } = await setup();
    connector.pushInbound({
      text: "hi tg",
      source: { platform: "telegram", chat_id: "T1", chat_type: "dm", user_id: "U9" },
    });
    connector.pushInbound({
      text: "hi dc",
      source: {
        platform: "discord",
        chat_id: "D1",
        chat_type: "group",
        user_id: "U1",
        scope_id: "G1",
        profile: "work",
      },
    });
    await until(() => events.length === 2);

    const tg = await adapter.send("T1", "to telegram");
    const dc = await adapter.send("D1", "to discord");
    expect([tg.outcome, dc.outcome]).toEqual(["delivered", "delivered"]);
    const [a, b] = connector.outbound.slice(-2);
    expect([a!.platform, a!.botId, a!.action["metadata"]]).toEqual([
      "telegram",
      "tg-bot",
      { user_id: "U9" },
    ]);
    expect([b!.platform, b!.botId, b!.action["metadata"]]).toEqual([
      "discord",
      "dc-bot",
      { scope_id: "G1", guild_id: "G1", user_id: "U1", profile: "work" },
    ]);

    expect(adapter.capabilitiesForChat("T1")).toMatchObject({
      platform: "telegram",
      maxMessageLength: 4096,
      lenUnit: "utf16",
    });
    expect(adapter.capabilitiesForChat("D1")).toMatchObject({
      platform: "discord",
      maxMessageLength: 2000,
      lenUnit: "chars",
    });
    // A chat never seen: the primary identity's.
    expect(adapter.capabilitiesForChat("nowhere").platform).toBe("discord");
    // Ops come from the chat's descriptor: Telegram's reference descriptor has no thread_create.
    expect(adapter.supportsOpForChat("T1", "thread_create")).toBe(false);
    expect(adapter.supportsOpForChat("D1", "thread_create")).toBe(true);
    const refused = await adapter.sendAction("thread_create", { chat_id: "T1", thread_name: "x" });
    expect(refused).toMatchObject({ success: false, unsupported: true });
  });

  it("classifies an egress refusal, logs it once and sends nothing more", async () => {
    const { connector, adapter, warnings, events } = await setup();
    const before = connector.outbound.length;
    const r = await adapter.send("never-seen", "secret plans");
    expect(r).toMatchObject({ success: false, outcome: "declined" });
    expect(r.raw["code"]).toBe("egress_declined");
    expect(connector.outbound.length).toBe(before + 1);
    expect(warnings.filter((w) => w.includes("DECLINED"))).toHaveLength(1);

    // Scripted refusals (declineEgress) look the same to the gateway.
    connector.pushInbound({
      text: "x",
      source: { platform: "telegram", chat_id: "T2", chat_type: "dm", user_id: "U2" },
    });
    await until(() => events.some((e) => e.source.chat_id === "T2"));
    connector.declineEgress((rec) => rec.action["chat_id"] === "T2");
    expect((await adapter.send("T2", "y")).outcome).toBe("declined");
    connector.clearDeclines();
    expect((await adapter.send("T2", "z")).outcome).toBe("delivered");
  });

  it("refuses a frame naming a platform or botId the link did not hello", async () => {
    const { transport } = await setup();
    const r = await transport.sendOutbound(
      { op: "send", chat_id: "x", content: "y" },
      { platform: "slack" },
    );
    expect(r).toMatchObject({ success: false });
    expect(String(r.error)).toContain("not hello'd");
    const wrong = await transport.sendOutbound(
      { op: "send", chat_id: "x", content: "y" },
      { platform: "discord", botId: "other" },
    );
    expect(String(wrong.error)).toContain("botId does not match");
  });

  it("tags a follow-up with the platform its kind names and the profile of its session key", async () => {
    const { connector, adapter } = await setup();
    const r = await adapter.sendFollowUp(
      "agent:work:discord:group:D1:U1",
      "discord.interaction_token",
      "done",
    );
    expect(r.success).toBe(true);
    const rec = connector.outbound.at(-1)!;
    expect([rec.platform, rec.botId, rec.action["metadata"]]).toEqual([
      "discord",
      "dc-bot",
      { profile: "work" },
    ]);
    // The default profile adds nothing; a kind naming a platform we do not front takes the primary identity.
    await adapter.sendFollowUp("agent:main:discord:group:D1:U1", "slack.response_url", "done");
    const plain = connector.outbound.at(-1)!;
    expect([plain.platform, plain.action["metadata"]]).toEqual(["discord", {}]);
  });

  it("declares the command manifest on the Discord hello and maps a forwarded slash command to its text", async () => {
    const { connector, adapter, events } = await setup();
    expect(connector.commandManifestOf(GW)).toEqual([
      {
        name: "ask",
        description: "Ask the agent",
        options: [{ type: 3, name: "args", description: "question", required: false }],
      },
    ]);
    expect(connector.commandManifestOf(GW, "telegram")).toBeUndefined();
    expect(connector.pushDiscordInteraction({ type: 1 })).toMatchObject({ delivered: "dropped" });
    connector.pushDiscordInteraction({
      id: "I1",
      type: 2,
      guild_id: "G5",
      channel_id: "C5",
      member: { nick: "Ada", user: { id: "U5", username: "ada" } },
      data: { name: "ask", options: [{ name: "args", type: 3, value: "what time is it" }] },
    });
    await until(() => events.length === 1);
    expect(events[0]).toMatchObject({
      text: "/ask what time is it",
      messageType: "command",
      userDisplayName: "Ada",
    });
    expect(events[0]!.source).toMatchObject({
      platform: "discord",
      chat_type: "group",
      scope_id: "G5",
    });
    // The reply to the channel passes the connector's egress guard.
    expect((await adapter.send("C5", "noon")).outcome).toBe("delivered");
    expect(connector.outbound.at(-1)!.action["metadata"]).toMatchObject({
      scope_id: "G5",
      user_id: "U5",
    });
  });

  it("forwards an interaction posted to the control API (any-language testing)", async () => {
    const { connector, events } = await setup();
    const ping = await controlPost(connector, "/interaction", { interaction: { type: 1 } });
    expect(await ping.json()).toMatchObject({ delivered: "dropped" });
    const r = await controlPost(connector, "/interaction", {
      profile: "ops",
      interaction: {
        id: "I2",
        type: 2,
        channel_id: "DM9",
        user: { id: "U9", global_name: "Nine" },
        data: { name: "new" },
      },
    });
    expect(await r.json()).toEqual({ delivered: "live" });
    await until(() => events.length === 1);
    expect(events[0]).toMatchObject({
      text: "/new",
      messageType: "command",
      userDisplayName: "Nine",
    });
    expect(events[0]!.source).toMatchObject({ chat_type: "dm", profile: "ops" });
    expect((await controlPost(connector, "/interaction", { interaction: [] })).status).toBe(400);
  });
});

describe("scale to zero", () => {
  it("goes dormant (going_idle acked, link closed) and drains what was buffered on the re-dial", async () => {
    const { connector, adapter, events } = await setup();
    const closed = connector.waitFor("close");
    expect(await adapter.goDormant()).toBe(true);
    await closed;
    expect(connector.snapshot().gateways[GW]?.buffered).toBe(true);
    // Held: the re-dial waits until released (a brokered suspend in flight).
    expect(adapter.holdRedial()).toBe(true);
    expect(
      connector.pushInbound({
        text: "while asleep",
        source: { platform: "telegram", chat_id: "T1", chat_type: "dm" },
      }),
    ).toMatchObject({
      delivered: "buffered",
    });
    const acked = connector.waitFor("ack");
    const handshake = connector.waitFor("handshake");
    expect(adapter.releaseRedial()).toBe(true);
    await handshake;
    await acked;
    expect(events.map((e) => e.text)).toEqual(["while asleep"]);
    expect(connector.bufferOf(GW)).toEqual([]);
  });

  it("is not dormant when the going_idle is not acked", async () => {
    const connector = await new ReferenceConnector({ gateways: { [GW]: [SECRET] } }).start();
    cleanups.push(() => connector.stop());
    const transport = new WebSocketRelayTransport({
      url: connector.url,
      gatewayId: GW,
      secret: SECRET,
      identities: [{ platform: "discord", botId: "b" }],
    });
    cleanups.push(() => transport.disconnect({ budgetMs: 500 }));
    await transport.connect();
    connector.on("going_idle", () => connector.dropConnections(1012, "restart"));
    expect(await transport.goDormant(200)).toBe(false);
  });
});
