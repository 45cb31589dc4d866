// The ReferenceConnector against the real WebSocketRelayTransport / RelayAdapter over
// loopback: upgrade auth and revocation, descriptors, outbound, going_idle, buffered replay
// exactly once (also across a socket killed mid-drain), the connector HTTP routes, the control API and
// signed-HTTP delivery into the package's own receiver.
import { makeUpgradeToken } from "@hermes/relay-crypto";
import { eventually } from "@hermes/vitest-config/eventually";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  RelayAdapter,
  startInboundReceiver,
  WebSocketRelayTransport,
  type RelayMessageEvent,
  type WebSocketRelayTransportOptions,
} from "../src/index.js";
import type { WireMessageEvent } from "../src/protocol/types.js";
import { ReferenceConnector, StubTransport } from "../src/testing/index.js";
import { controlGet, controlPost } from "./support/control-api.js";

const SECRET = "reference-connector-test-secret";
const GW = "gw-ref";
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connector(opts: ConstructorParameters<typeof ReferenceConnector>[0] = {}) {
  const c = await new ReferenceConnector({ gateways: { [GW]: [SECRET] }, ...opts }).start();
  cleanups.push(() => c.stop());
  return c;
}

function transport(c: ReferenceConnector, over: Partial<WebSocketRelayTransportOptions> = {}) {
  const t = new WebSocketRelayTransport({
    url: c.baseUrl,
    gatewayId: GW,
    secret: SECRET,
    identities: [{ platform: "discord", botId: "b1" }],
    backoff: { initialMs: 10, maxMs: 50, jitter: 0 },
    ...over,
  });
  cleanups.push(() => t.disconnect({ budgetMs: 500 }));
  return t;
}

const ev = (text: string, chat = "C1"): WireMessageEvent => ({
  text,
  source: { platform: "discord", chat_id: chat, chat_type: "dm", user_id: "U1" },
});

function closeOf(
  url: string,
  headers: Record<string, string>,
): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on("error", () => undefined);
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

describe("upgrade auth and revocation", () => {
  it("accepts a valid token and answers each hello with a complete descriptor", async () => {
    const c = await connector({ descriptors: { discord: { max_message_length: 1500 } } });
    const t = transport(c, {
      identities: [
        { platform: "discord", botId: "b1" },
        { platform: "telegram", botId: "b2" },
      ],
    });
    const d = await t.connect();
    expect(d).toMatchObject({
      platform: "discord",
      max_message_length: 1500,
      markdown_dialect: "discord",
      contract_version: 1,
    });
    await eventually(
      () =>
        expect(t.descriptorFor("telegram")).toMatchObject({
          len_unit: "utf16",
          max_message_length: 4096,
        }),
      "the telegram descriptor",
    );
    expect(c.isConnected(GW)).toBe(true);
  });

  it("closes 4401 'expired' for an expired token and 'unauthorized' for a bad one", async () => {
    const c = await connector();
    const expired = makeUpgradeToken(GW, SECRET, 300, { now: Date.now() - 1_000_000 });
    expect(await closeOf(c.url, { authorization: `Bearer ${expired}` })).toEqual({
      code: 4401,
      reason: "expired",
    });
    const wrong = makeUpgradeToken(GW, "not-the-secret");
    expect(await closeOf(c.url, { authorization: `Bearer ${wrong}` })).toEqual({
      code: 4401,
      reason: "unauthorized",
    });
    expect(await closeOf(c.url, {})).toEqual({ code: 4401, reason: "unauthorized" });
  });

  it("revoke closes the live socket 4401, refuses the re-dial, and the transport latches authRevoked", async () => {
    const c = await connector();
    const t = transport(c);
    const adapter = new RelayAdapter({ transport: t });
    const fatals: string[] = [];
    adapter.setFatalErrorHandler((e) => {
      fatals.push(e.code);
    });
    expect(await adapter.connect()).toBe(true);
    c.revoke(GW);
    await new Promise<void>((resolve) => t.onAuthRevoked(resolve));
    expect(t.state.authRevoked).toBe(true);
    expect(fatals).toEqual(["relay_disabled"]);
    const upgrades = c.upgradeCount;
    await new Promise((r) => setTimeout(r, 150));
    expect(c.upgradeCount).toBe(upgrades);
    expect(upgrades).toBe(2);
  });

  it("accepts a header-less dial only when allowUnauthenticated", async () => {
    const c = await connector({ gateways: {}, allowUnauthenticated: true });
    const t = transport(c, { secret: null });
    await t.connect();
    expect(c.isConnected("anonymous")).toBe(true);
  });
});

describe("outbound and interrupts", () => {
  it("records and answers outbound, scripted results included; no answer → ambiguous timeout", async () => {
    const c = await connector();
    // Long enough for a loaded machine to answer the others; only the unanswered react waits it out.
    const t = transport(c, { outboundTimeoutMs: 3000 });
    await t.connect();
    expect(await t.sendOutbound({ op: "send", chat_id: "C1", content: "hi" })).toMatchObject({
      success: true,
      message_id: expect.stringMatching(/^m\d+$/),
    });
    expect(await t.sendOutbound({ op: "get_chat_info", chat_id: "C9" })).toEqual({
      chat_info: { name: "chat C9", type: "group" },
    });
    c.onOutbound((r) =>
      r.action.op === "react"
        ? "no-answer"
        : r.action.op === "edit"
          ? { delayMs: 10, result: { success: false, error: "gone" } }
          : undefined,
    );
    expect(
      await t.sendOutbound({ op: "edit", chat_id: "C1", message_id: "m1", content: "x" }),
    ).toEqual({ success: false, error: "gone" });
    expect(
      await t.sendOutbound({ op: "react", chat_id: "C1", message_id: "m1", emoji: "👍" }),
    ).toMatchObject({ ambiguous: true });
    expect(c.outbound.map((o) => o.action.op)).toEqual(["send", "get_chat_info", "edit", "react"]);
    expect(c.outbound[0]).toMatchObject({ gatewayId: GW, platform: "discord" });
  });

  it("delivers interrupt_inbound live and records the gateway's own interrupts", async () => {
    const c = await connector();
    const t = transport(c);
    const got: string[] = [];
    t.setInterruptHandler((k, chat) => {
      got.push(`${k}|${chat}`);
    });
    await t.connect();
    expect(c.pushInterrupt("agent:main:discord:dm:C1", "C1")).toEqual({ delivered: "live" });
    t.interrupt("agent:main:discord:dm:C2", "stop");
    await c.waitFor("interrupt");
    // Frames arrive in order: once an outbound sent after the gateway's interrupt is answered,
    // any interrupt_inbound the connector sent back for it would have been delivered first.
    await eventually(() => got.length > 0, "the pushed interrupt");
    await t.sendOutbound({ op: "get_chat_info", chat_id: "C1" });
    expect(got).toEqual(["agent:main:discord:dm:C1|C1"]);
    expect(c.interrupts).toEqual([
      { gatewayId: GW, session_key: "agent:main:discord:dm:C2", reason: "stop" },
    ]);
    await t.disconnect();
    expect(c.pushInterrupt("k", "c")).toMatchObject({ delivered: "dropped" });
  });
});

describe("going_idle, buffering and replay", () => {
  it("serves an inbound in the flip window live, buffers after the ack, replays once on the next handshake", async () => {
    const c = await connector();
    const got: string[] = [];
    const t1 = transport(c);
    t1.setInboundHandler((e, meta) => {
      got.push(`${e.text}@${meta.bufferId ?? "live"}`);
    });
    await t1.connect();
    c.once("going_idle", () => c.pushInbound(ev("window")));
    expect(await t1.goIdle(2_000)).toBe(true);
    expect(c.pushInbound(ev("while asleep 1"))).toMatchObject({ delivered: "buffered" });
    expect(c.pushInbound(ev("while asleep 2"))).toMatchObject({ delivered: "buffered" });
    await t1.disconnect();
    expect(got).toEqual(["window@live"]);

    const t2 = transport(c);
    t2.setInboundHandler((e, meta) => {
      got.push(`${e.text}@${meta.bufferId ?? "live"}`);
    });
    await t2.connect();
    await c.waitFor("ack", (a: { bufferId: string }) => a.bufferId === "buf-2");
    expect(got.slice(1)).toEqual(["while asleep 1@buf-1", "while asleep 2@buf-2"]);
    expect(c.bufferOf(GW)).toEqual([]);
    expect(c.pushInbound(ev("awake"))).toEqual({ delivered: "live" });
    await t2.disconnect();

    // A third connection gets nothing replayed: acked items never come back.
    const t3 = transport(c);
    const third: string[] = [];
    t3.setInboundHandler((e) => {
      third.push(e.text);
    });
    await t3.connect();
    // A replay is sent before any live inbound: when a live one arrives first, nothing was replayed.
    expect(c.pushInbound(ev("live probe"))).toEqual({ delivered: "live" });
    await eventually(() => third.length > 0, "the live probe");
    expect(third.filter((text) => text !== "live probe")).toEqual([]);
  });

  it("replays exactly the unacked tail after a socket killed mid-drain", async () => {
    const c = await connector();
    for (let i = 1; i <= 4; i++) c.pushInbound(ev(`m${i}`)); // never connected: all buffered
    const seen: string[] = [];
    let release!: () => void;
    const t = transport(c);
    t.setInboundHandler(async (e, meta) => {
      seen.push(`${e.text}@${meta.bufferId}`);
      if (e.text === "m3" && seen.filter((s) => s.startsWith("m3")).length === 1) {
        // Once m1 and m2 are acked, kill the socket while m3 is being handled: m3 is not
        // acked on this connection, and m4 (queued behind it) is left for the replay.
        await eventually(() => c.bufferOf(GW).length <= 2, "m1 and m2 acked");
        c.dropConnections(1006, "", { terminate: true });
        await new Promise<void>((r) => (release = r));
      }
    });
    await t.connect();
    await c.waitFor("close");
    release();
    await c.waitFor("ack", (a: { bufferId: string }) => a.bufferId === "buf-4");
    expect(c.bufferOf(GW)).toEqual([]);
    // m1 and m2 were acked before the kill and never came back; m3 and m4 came again.
    expect(seen).toEqual(["m1@buf-1", "m2@buf-2", "m3@buf-3", "m3@buf-3", "m4@buf-4"]);
  });

  it("reconnects after the connector drops the socket and keeps delivering", async () => {
    const c = await connector();
    const t = transport(c);
    const got: string[] = [];
    t.setInboundHandler((e) => {
      got.push(e.text);
    });
    await t.connect();
    c.dropConnections();
    await c.waitFor("handshake");
    c.pushInbound(ev("after reconnect"));
    await eventually(
      () => expect(got).toEqual(["after reconnect"]),
      "the inbound after the reconnect",
    );
    expect(c.dialCount(GW)).toBe(2);
  });
});

describe("HTTP routes", () => {
  it("enroll: identity bearer required, single-use tokens, minted credentials accepted on the link", async () => {
    const c = await connector({ gateways: {}, identityTokens: ["id-token"] });
    const token = c.issueEnrollmentToken({ tenant: "acme" });
    const post = (auth: string | null, body: unknown) =>
      fetch(`${c.baseUrl}/relay/enroll`, {
        method: "POST",
        headers: auth ? { authorization: `Bearer ${auth}` } : {},
        body: JSON.stringify(body),
      });
    expect((await post(null, { enrollmentToken: token, gatewayId: "gw-new" })).status).toBe(401);
    expect((await post("other", { enrollmentToken: token, gatewayId: "gw-new" })).status).toBe(401);
    const ok = await post("id-token", { enrollmentToken: token, gatewayId: "gw-new" });
    const creds = (await ok.json()) as {
      secret: string;
      deliveryKey: string;
      tenant: string;
      gatewayId: string;
    };
    expect(creds).toMatchObject({ tenant: "acme", gatewayId: "gw-new" });
    expect(creds.secret).toMatch(/^[0-9a-f]{64}$/);
    const again = await post("id-token", { enrollmentToken: token, gatewayId: "gw-new" });
    expect(again.status).toBe(403);
    expect(((await again.json()) as { error: string }).error).toContain("already used");
    const t = transport(c, { gatewayId: "gw-new", secret: creds.secret });
    await t.connect();
    expect(c.isConnected("gw-new")).toBe(true);
    c.failNext("enroll", { status: 500, body: { error: "boom" } });
    expect((await post("id-token", {})).status).toBe(500);
    expect((await post("id-token", "not an object")).status).toBe(400);
  });

  it("provision issues a secret once, then secretIssued:false; records the request", async () => {
    const c = await connector({ gateways: {} });
    const body = {
      gatewayId: "gw-p",
      platform: "discord",
      botId: "b",
      gatewayEndpoint: "https://gw",
      routeKeys: ["r1"],
    };
    const post = () =>
      fetch(`${c.baseUrl}/relay/provision`, {
        method: "POST",
        headers: { authorization: "Bearer any" },
        body: JSON.stringify(body),
      }).then((r) => r.json());
    expect(await post()).toMatchObject({
      gatewayId: "gw-p",
      routeKeys: ["r1"],
      secret: expect.any(String),
    });
    expect(await post()).toEqual({
      secretIssued: false,
      tenant: "tenant-dev",
      gatewayId: "gw-p",
      routeKeys: ["r1"],
    });
    expect(c.provisions).toHaveLength(2);
  });

  it("policy needs an upgrade-token bearer and is recorded", async () => {
    const c = await connector();
    const body = JSON.stringify({
      platform: "discord",
      requireAddress: true,
      freeResponseScopes: ["c1"],
      allowOtherBots: false,
    });
    const bad = await fetch(`${c.baseUrl}/relay/policy`, { method: "POST", body });
    expect(bad.status).toBe(401);
    const ok = await fetch(`${c.baseUrl}/relay/policy`, {
      method: "POST",
      headers: { authorization: `Bearer ${makeUpgradeToken(GW, SECRET)}` },
      body,
    });
    expect(ok.status).toBe(200);
    expect(c.policies).toEqual([
      {
        gatewayId: GW,
        platform: "discord",
        requireAddress: true,
        freeResponseScopes: ["c1"],
        allowOtherBots: false,
      },
    ]);
    const malformed = await fetch(`${c.baseUrl}/relay/policy`, {
      method: "POST",
      headers: { authorization: `Bearer ${makeUpgradeToken(GW, SECRET)}` },
      body: "{}",
    });
    expect(malformed.status).toBe(400);
  });

  it("media: upload within the cap, fetch back with the bearer, 413 above 25 MiB, 400 for a long filename", async () => {
    const c = await connector();
    const auth = { authorization: `Bearer ${makeUpgradeToken(GW, SECRET)}` };
    const up = await fetch(`${c.baseUrl}/relay/media`, {
      method: "POST",
      headers: { ...auth, "content-type": "image/png", "x-media-filename": "a.png" },
      body: Buffer.from("PNGDATA"),
    });
    const { id, size } = (await up.json()) as { id: string; size: number };
    expect(size).toBe(7);
    const down = await fetch(`${c.baseUrl}/relay/media/${id}`, { headers: auth });
    expect(down.headers.get("content-type")).toBe("image/png");
    expect(await down.text()).toBe("PNGDATA");
    expect((await fetch(`${c.baseUrl}/relay/media/${id}`)).status).toBe(401);
    const big = await fetch(`${c.baseUrl}/relay/media`, {
      method: "POST",
      headers: auth,
      body: Buffer.alloc(25 * 1024 * 1024 + 1),
    });
    expect(big.status).toBe(413);
    const longName = await fetch(`${c.baseUrl}/relay/media`, {
      method: "POST",
      headers: { ...auth, "x-media-filename": "x".repeat(256) },
      body: "a",
    });
    expect(longName.status).toBe(400);
  });
});

describe("control API and signed delivery", () => {
  it("POST /dev/inbound reaches the gateway; /dev/outbound and /dev/state report, without secrets", async () => {
    const c = await connector();
    const t = transport(c);
    const adapter = new RelayAdapter({ transport: t });
    const got: RelayMessageEvent[] = [];
    adapter.setMessageHandler(async (e) => {
      got.push(e);
      await adapter.send(e.source.chat_id, `echo ${e.text}`);
    });
    await adapter.connect();
    const r = await controlPost(c, "/inbound", { event: ev("from curl") });
    expect(await r.json()).toEqual({ delivered: "live" });
    await c.waitFor("outbound");
    const out = (await (await controlGet(c, "/outbound")).json()) as {
      outbound: { action: { content: string } }[];
    };
    expect(out.outbound.map((o) => o.action.content)).toEqual(["echo from curl"]);
    const stateText = await (await controlGet(c, "/state")).text();
    expect(JSON.parse(stateText)).toMatchObject({
      connections: 1,
      gateways: { [GW]: { connected: true, revoked: false } },
    });
    expect(stateText).not.toContain(SECRET);
    expect((await controlPost(c, "/inbound", "{}")).status).toBe(400);
    expect((await controlPost(c, "/revoke", { gatewayId: GW })).status).toBe(200);
    await new Promise<void>((resolve) => t.onAuthRevoked(resolve));
  });

  it("POST /dev/enrollment-token mints a single-use token that POST /relay/enroll redeems once", async () => {
    const c = await connector();
    const r = await controlPost(c, "/enrollment-token", { tenant: "acme" });
    const { enrollmentToken } = (await r.json()) as { enrollmentToken: string };
    expect(enrollmentToken).toMatch(/^enr_/);
    const redeem = () =>
      fetch(`${c.baseUrl}/relay/enroll`, {
        method: "POST",
        headers: { authorization: "Bearer any-identity", "content-type": "application/json" },
        body: JSON.stringify({ enrollmentToken, gatewayId: "gw-new" }),
      });
    const first = await redeem();
    expect(await first.json()).toMatchObject({ tenant: "acme", gatewayId: "gw-new" });
    expect((await redeem()).status).toBe(403);
  });

  it("deliverSigned produces deliveries the package's receiver accepts, and a wrong key is refused", async () => {
    const c = await connector();
    const events: unknown[] = [];
    const receiver = await startInboundReceiver({
      port: 0,
      verifyKeys: ["dk-1"],
      onMessage: (e) => void events.push(e),
      onInterrupt: () => undefined,
    });
    cleanups.push(() => receiver.close());
    const ok = await c.deliverSigned(
      receiver.url,
      { type: "message", event: ev("signed") },
      { deliveryKey: "dk-1" },
    );
    expect(ok).toEqual({ status: 200, body: '{"ok":true}' });
    expect(events).toHaveLength(1);
    const bad = await c.deliverSigned(
      receiver.url,
      { type: "message", event: ev("forged") },
      { deliveryKey: "dk-2" },
    );
    expect(bad.status).toBe(401);
  });
});

describe("StubTransport", () => {
  it("drives a RelayAdapter in memory: descriptor, sends, pushes, revocation", async () => {
    const t = new StubTransport({
      descriptor: { platform: "telegram", len_unit: "utf16", supported_ops: ["send"] },
    });
    const adapter = new RelayAdapter({ transport: t });
    const texts: string[] = [];
    adapter.setMessageHandler((e) => {
      texts.push(e.text);
    });
    const fatals: string[] = [];
    adapter.setFatalErrorHandler((e) => {
      fatals.push(e.code);
    });
    await adapter.connect();
    expect(adapter.messageLength("🔌")).toBe(2);
    await t.pushInbound({
      text: "hi",
      source: { platform: "telegram", chat_id: "1", chat_type: "dm" },
    });
    expect(texts).toEqual(["hi"]);
    expect(await adapter.send("1", "yo")).toMatchObject({ success: true, messageId: "stub-1" });
    expect(t.sent[0]?.action).toMatchObject({ op: "send", chat_id: "1", content: "yo" });
    expect((await adapter.sendAction("react", { chat_id: "1" })).unsupported).toBe(true);
    t.revoke();
    expect(fatals).toEqual(["relay_disabled"]);
    await adapter.disconnect();
    expect(t.calls).toEqual(["connect", "disconnect"]);
  });
});
