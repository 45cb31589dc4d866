// The ReferenceConnector seen from the wire: a raw `ws` client and fetch, no transport.
// Upgrade auth edge cases, descriptor defaults, framing tolerance, outbound scripting,
// going_idle and the buffer advanced only on inbound_ack, wake URLs, bufferDir, every HTTP
// route's error codes, the control API, stop(), and no secret in any log line.
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeUpgradeToken } from "@hermes/relay-crypto";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createInboundReceiver } from "../src/index.js";
import type { WireMessageEvent } from "../src/protocol/types.js";
import { ReferenceConnector, type ReferenceConnectorOptions } from "../src/testing/index.js";
import { controlGet, controlPost } from "./support/control-api.js";

const SECRET = "wire-test-secret-value";
const OLD_SECRET = "wire-test-old-secret";
const GW = "gw-wire";
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const logs: string[] = [];
const logger = { info: (m: string) => void logs.push(m), warn: (m: string) => void logs.push(m) };

async function connector(opts: ReferenceConnectorOptions = {}): Promise<ReferenceConnector> {
  const c = await new ReferenceConnector({
    gateways: { [GW]: [SECRET, OLD_SECRET] },
    logger,
    ...opts,
  }).start();
  cleanups.push(() => c.stop());
  return c;
}

type Frame = Record<string, unknown> & { type: string };

/** A raw gateway: collects newline-delimited frames; `next` waits for one matching frame. */
class RawGateway {
  readonly frames: Frame[] = [];
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  #partial = "";
  #waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  #seen = 0;

  constructor(url: string, headers: Record<string, string>) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on("error", () => undefined);
    this.closed = new Promise((resolve) =>
      this.ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.ws.on("message", (data) => {
      const lines = (this.#partial + data.toString()).split("\n");
      this.#partial = lines.pop() ?? "";
      for (const l of lines) if (l.trim() !== "") this.#got(JSON.parse(l) as Frame);
    });
    cleanups.push(() => this.ws.terminate());
  }

  #got(f: Frame): void {
    this.frames.push(f);
    const i = this.#waiters.findIndex((w) => w.pred(f));
    if (i !== -1) this.#waiters.splice(i, 1)[0]!.resolve(f);
  }

  /** The next frame (not yet returned by `next`) matching `pred`. */
  next(pred: (f: Frame) => boolean = () => true): Promise<Frame> {
    for (let i = this.#seen; i < this.frames.length; i++) {
      if (pred(this.frames[i]!)) {
        this.#seen = i + 1;
        return Promise.resolve(this.frames[i]!);
      }
    }
    return new Promise((resolve) =>
      this.#waiters.push({ pred, resolve: (f) => ((this.#seen = this.frames.length), resolve(f)) }),
    );
  }
  ofType(type: string): Promise<Frame> {
    return this.next((f) => f.type === type);
  }
  send(frame: object | string): void {
    this.ws.send(typeof frame === "string" ? frame : `${JSON.stringify(frame)}\n`);
  }
  async open(): Promise<this> {
    await once(this.ws, "open");
    return this;
  }
  /** Open and handshake with one hello; resolves with its descriptor. */
  async hello(platform = "discord", botId = "b1"): Promise<Frame> {
    await this.open();
    this.send({ type: "hello", platform, botId });
    return this.ofType("descriptor");
  }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const gateway = (c: ReferenceConnector, secret = SECRET, id = GW) =>
  new RawGateway(c.url, bearer(makeUpgradeToken(id, secret)));
const ev = (text: string): WireMessageEvent => ({
  text,
  source: { platform: "discord", chat_id: "C1", chat_type: "dm", user_id: "U1" },
});
const textsOf = (frames: Frame[]) =>
  frames
    .filter((f) => f.type === "inbound")
    .map((f) => `${(f["event"] as WireMessageEvent).text}@${String(f["bufferId"] ?? "live")}`);

describe("upgrade", () => {
  it("accepts an older secret of the verify list and refuses unknown gateways, revoked ones (even expired tokens) and other paths", async () => {
    const c = await connector();
    const old = gateway(c, OLD_SECRET);
    await old.hello();
    expect(c.isConnected(GW)).toBe(true);
    expect(
      await new RawGateway(c.url, bearer(makeUpgradeToken("gw-unknown", SECRET))).closed,
    ).toEqual({ code: 4401, reason: "unauthorized" });
    expect(await new RawGateway(c.url, { authorization: "Basic abc" }).closed).toEqual({
      code: 4401,
      reason: "unauthorized",
    });
    c.revoke(GW);
    expect(await old.closed).toEqual({ code: 4401, reason: "unauthorized" });
    expect(await gateway(c).closed).toEqual({ code: 4401, reason: "unauthorized" });
    const expired = makeUpgradeToken(GW, SECRET, 300, { now: Date.now() - 1_000_000 });
    expect(await new RawGateway(c.url, bearer(expired)).closed).toEqual({
      code: 4401,
      reason: "unauthorized",
    });
    const wrongPath = new WebSocket(`${c.baseUrl.replace("http", "ws")}/elsewhere`, {
      headers: bearer(makeUpgradeToken(GW, SECRET)),
    });
    const err = await new Promise<Error>((resolve) => wrongPath.on("error", resolve));
    expect(err.message).toContain("404");
    expect(c.dialCount(GW)).toBe(1);
    // revoked state is re-keyed by addGateway (a fresh enrollment)
    c.addGateway(GW, [SECRET]);
    await gateway(c).hello();
    expect(c.dialCount(GW)).toBe(2);
  });
});

describe("descriptors and framing", () => {
  it("answers each hello with a complete contract-v1 descriptor: platform defaults and overrides", async () => {
    const c = await connector({
      descriptors: { slack: { max_message_length: 3000, supported_ops: ["send"] } },
    });
    const g = gateway(c);
    await g.open();
    for (const p of ["discord", "telegram", "slack", "matrix"])
      g.send({ type: "hello", platform: p, botId: `b-${p}` });
    const ds: Record<string, Record<string, unknown>> = {};
    for (let i = 0; i < 4; i++) {
      const d = (await g.ofType("descriptor"))["descriptor"] as Record<string, unknown>;
      ds[String(d["platform"])] = d;
    }
    const keys = [
      "contract_version",
      "platform",
      "label",
      "max_message_length",
      "supports_draft_streaming",
      "supports_edit",
      "supports_threads",
      "markdown_dialect",
      "len_unit",
      "emoji",
      "platform_hint",
      "pii_safe",
      "supports_context",
      "supports_inchannel_continuable",
      "supports_block_formatting",
      "supported_ops",
    ];
    for (const d of Object.values(ds)) {
      expect(Object.keys(d).sort()).toEqual([...keys].sort());
      expect(d["contract_version"]).toBe(1);
    }
    expect(ds["discord"]).toMatchObject({
      markdown_dialect: "discord",
      max_message_length: 2000,
      len_unit: "chars",
    });
    expect(ds["telegram"]).toMatchObject({ len_unit: "utf16", max_message_length: 4096 });
    expect(ds["slack"]).toMatchObject({
      max_message_length: 3000,
      supported_ops: ["send"],
      label: "Slack",
    });
    expect(ds["matrix"]).toMatchObject({
      markdown_dialect: "plain",
      max_message_length: 4096,
      len_unit: "chars",
      label: "matrix",
    });
  });

  it("buffers partial lines across messages and skips malformed lines without dropping the socket", async () => {
    const c = await connector();
    const g = gateway(c);
    await g.open();
    g.send('{"type":"hel');
    g.send(
      'lo","platform":"discord","botId":"b"}\nnot json at all\n[1,2]\n"str"\n\n{"type":"outbound","requestId":"r1",',
    );
    g.send(
      '"action":{"op":"send","chat_id":"C1","content":"x"}}\n{"type":"from-the-future"}\n{"type":"outbound"}\n',
    );
    expect(await g.ofType("descriptor")).toMatchObject({ descriptor: { platform: "discord" } });
    expect(await g.ofType("outbound_result")).toMatchObject({
      requestId: "r1",
      result: { success: true },
    });
    expect(c.outbound.map((o) => o.requestId)).toEqual(["r1"]);
    expect(c.connections).toBe(1);
    expect(logs.some((l) => l.includes("frame skipped"))).toBe(true);
  });
});

describe("outbound", () => {
  it("records each action with its identity and answers by requestId: default, get_chat_info, scripted, delayed, no answer", async () => {
    const c = await connector();
    const g = gateway(c);
    await g.hello("telegram", "tg-bot");
    g.send({ type: "hello", platform: "discord", botId: "d-bot" });
    await g.ofType("descriptor");
    g.send({
      type: "outbound",
      requestId: "a",
      action: { op: "send", chat_id: "C1", content: "one" },
    });
    expect(await g.ofType("outbound_result")).toEqual({
      type: "outbound_result",
      requestId: "a",
      result: { success: true, message_id: "m1" },
    });
    g.send({ type: "outbound", requestId: "b", action: { op: "get_chat_info", chat_id: "C7" } });
    expect((await g.ofType("outbound_result"))["result"]).toEqual({
      chat_info: { name: "chat C7", type: "group" },
    });
    c.onOutbound((r) => {
      if (r.requestId === "silent") return "no-answer";
      if (r.requestId === "slow") return { delayMs: 5, result: { success: false, error: "late" } };
      if (r.requestId === "boom") throw new Error("script bug");
      return { success: true, message_id: `scripted-${r.requestId}` };
    });
    g.send({ type: "outbound", requestId: "silent", action: { op: "typing", chat_id: "C1" } });
    g.send({
      type: "outbound",
      requestId: "slow",
      action: { op: "send", chat_id: "C1", content: "s" },
    });
    g.send({
      type: "outbound",
      requestId: "boom",
      action: { op: "send", chat_id: "C1", content: "s" },
    });
    g.send({
      type: "outbound",
      requestId: "x",
      platform: "discord",
      botId: "d-bot",
      action: { op: "react", chat_id: "C1", message_id: "m1", emoji: "👍" },
    });
    const results = [
      await g.ofType("outbound_result"),
      await g.ofType("outbound_result"),
      await g.ofType("outbound_result"),
    ];
    const byId = Object.fromEntries(results.map((r) => [r["requestId"], r["result"]]));
    expect(byId).toEqual({
      slow: { success: false, error: "late" },
      boom: { success: false, error: "scripted handler failed: script bug" },
      x: { success: true, message_id: "scripted-x" },
    });
    expect(g.frames.some((f) => f["requestId"] === "silent")).toBe(false);
    expect(c.outbound.map((o) => [o.requestId, o.platform, o.botId])).toEqual([
      ["a", "telegram", "tg-bot"],
      ["b", "telegram", "tg-bot"],
      ["silent", "telegram", "tg-bot"],
      ["slow", "telegram", "tg-bot"],
      ["boom", "telegram", "tg-bot"],
      ["x", "discord", "d-bot"],
    ]);
    expect(c.outbound.every((o) => o.gatewayId === GW && typeof o.at === "number")).toBe(true);
  });
});

describe("going_idle, buffer and acks", () => {
  it("flips on going_idle, replays with bufferId after each handshake and advances only on inbound_ack", async () => {
    const dir = mkdtempSync(join(tmpdir(), "refconn-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const c = await connector({ bufferDir: dir });
    const g1 = gateway(c);
    await g1.hello();
    expect(c.pushInbound(ev("live"))).toEqual({ delivered: "live" });
    g1.send({ type: "going_idle" });
    await g1.ofType("going_idle_ack");
    expect(c.pushInbound(ev("a"))).toEqual({ delivered: "buffered", bufferId: "buf-1" });
    const fwd = {
      platform: "discord",
      botId: "b1",
      method: "POST",
      path: "/interactions",
      headers: [["content-type", "application/json"]] as [string, string][],
      bodyB64: "e30=",
    };
    expect(c.pushPassthrough(fwd)).toEqual({ delivered: "buffered", bufferId: "buf-2" });
    expect(c.pushInbound(ev("c"))).toEqual({ delivered: "buffered", bufferId: "buf-3" });
    expect(c.snapshot().gateways[GW]).toMatchObject({ connected: true, buffered: true, buffer: 3 });
    g1.ws.close();
    await g1.closed;
    expect(textsOf(g1.frames)).toEqual(["live@live"]);

    // Second connection: all three replayed in order; ack only the first.
    const g2 = gateway(c);
    await g2.open();
    g2.send({ type: "hello", platform: "discord", botId: "b1" });
    await g2.next((f) => f["bufferId"] === "buf-3");
    expect(g2.frames.map((f) => `${f.type}:${String(f["bufferId"] ?? "")}`)).toEqual([
      "descriptor:",
      "inbound:buf-1",
      "passthrough_forward:buf-2",
      "inbound:buf-3",
    ]);
    expect(g2.frames[2]).toMatchObject({ forward: fwd });
    g2.send({ type: "inbound_ack", bufferId: "buf-1" });
    await c.waitFor("ack");
    expect(c.bufferOf(GW).map((b) => b.bufferId)).toEqual(["buf-2", "buf-3"]);
    g2.ws.terminate();
    await g2.closed;

    // Third: only the unacked tail; ack all; a fourth connection sees no replay.
    const g3 = gateway(c);
    await g3.hello();
    await g3.next((f) => f["bufferId"] === "buf-3");
    expect(g3.frames.map((f) => String(f["bufferId"] ?? f.type))).toEqual([
      "descriptor",
      "buf-2",
      "buf-3",
    ]);
    g3.send({ type: "inbound_ack", bufferId: "buf-2" });
    g3.send({ type: "inbound_ack", bufferId: "buf-3" });
    g3.send({ type: "inbound_ack", bufferId: "buf-unknown" });
    await c.waitFor("ack", (a: { bufferId: string }) => a.bufferId === "buf-unknown");
    expect(c.bufferOf(GW)).toEqual([]);
    g3.ws.close();
    await g3.closed;
    const g4 = gateway(c);
    await g4.hello();
    c.pushInbound(ev("marker"));
    await g4.ofType("inbound");
    expect(textsOf(g4.frames)).toEqual(["marker@live"]);

    // bufferDir kept every buffered item as JSON lines, in order.
    const lines = readFileSync(join(dir, `${GW}.jsonl`), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { bufferId: string });
    expect(lines.map((l) => l.bufferId)).toEqual(["buf-1", "buf-2", "buf-3"]);
  });

  it("buffers for a socket that has not said hello yet, and for a gateway that never connected", async () => {
    const c = await connector({ gateways: { [GW]: [SECRET], "gw-other": ["other-secret"] } });
    expect(c.pushInbound(ev("to other"), { gatewayId: "gw-other" })).toMatchObject({
      delivered: "buffered",
    });
    const g = gateway(c);
    await g.open();
    expect(c.pushInbound(ev("early"))).toMatchObject({ delivered: "buffered", bufferId: "buf-2" });
    g.send({ type: "hello", platform: "discord", botId: "b" });
    expect(await g.ofType("inbound")).toMatchObject({
      bufferId: "buf-2",
      event: { text: "early" },
    });
    expect(c.bufferOf("gw-other")).toHaveLength(1);
  });

  it("GETs a provisioned wake URL once per sleep", async () => {
    let wakes = 0;
    const wakeWaiters: (() => void)[] = [];
    const wake = createServer((_req, res) => {
      wakes++;
      res.end("ok");
      wakeWaiters.splice(0).forEach((w) => w());
    }).listen(0, "127.0.0.1");
    await once(wake, "listening");
    cleanups.push(() => new Promise((r) => wake.close(r)));
    const nextWake = () => new Promise<void>((r) => wakeWaiters.push(r));
    const c = await connector({ gateways: {} });
    const wakeUrl = `http://127.0.0.1:${(wake.address() as AddressInfo).port}/wake`;
    const prov = await fetch(`${c.baseUrl}/relay/provision`, {
      method: "POST",
      headers: bearer("identity"),
      body: JSON.stringify({
        gatewayId: GW,
        platform: "discord",
        botId: "b",
        gatewayEndpoint: "",
        routeKeys: [],
        wakeUrl,
      }),
    });
    const { secret } = (await prov.json()) as { secret: string };
    let woke = nextWake();
    c.pushInbound(ev("1"));
    c.pushInbound(ev("2"));
    await woke;
    const g = gateway(c, secret);
    await g.hello();
    g.send({ type: "going_idle" });
    await g.ofType("going_idle_ack");
    woke = nextWake();
    c.pushInbound(ev("3"));
    await woke;
    expect(wakes).toBe(2);
  });
});

describe("HTTP routes: error codes", () => {
  it("enroll and provision: 401 without an identity, 400 bad bodies, 403 unknown token, 413 oversized", async () => {
    const c = await connector({ gateways: {} });
    const post = (path: string, body: string, headers: Record<string, string> = bearer("id")) =>
      fetch(`${c.baseUrl}${path}`, { method: "POST", headers, body });
    expect((await post("/relay/provision", "{}", {})).status).toBe(401);
    expect((await post("/relay/enroll", "{}", { authorization: "Bearer " })).status).toBe(401);
    expect((await post("/relay/provision", '{"gatewayId":"g"}')).status).toBe(400);
    expect((await post("/relay/enroll", '{"enrollmentToken":"x"}')).status).toBe(400);
    const unknown = await post("/relay/enroll", '{"enrollmentToken":"enr_nope","gatewayId":"g"}');
    expect(unknown.status).toBe(403);
    expect(await unknown.json()).toEqual({
      error: "Enrollment token invalid, expired, already used, or tenant mismatch",
    });
    expect((await post("/relay/enroll", "{not json")).status).toBe(400);
    expect((await post("/relay/provision", "x".repeat(1024 * 1024 + 1))).status).toBe(413);
    c.failNext("provision", { status: 503 });
    const failed = await post("/relay/provision", '{"gatewayId":"g","platform":"discord"}');
    expect([failed.status, await failed.json()]).toEqual([
      503,
      { error: "injected failure (503)" },
    ]);
    expect((await post("/relay/provision", '{"gatewayId":"g","platform":"discord"}')).status).toBe(
      200,
    );
    expect(c.hasGateway("g")).toBe(true);
  });

  it("policy and media: upgrade-token bearer (expired → 401 expired), empty media 400, unknown id 404, injected failures once", async () => {
    const c = await connector();
    const auth = bearer(makeUpgradeToken(GW, SECRET));
    const expired = bearer(makeUpgradeToken(GW, SECRET, 300, { now: Date.now() - 1_000_000 }));
    const pol = JSON.stringify({
      platform: "discord",
      requireAddress: false,
      freeResponseScopes: [],
      allowOtherBots: true,
    });
    const policy = (headers: Record<string, string>) =>
      fetch(`${c.baseUrl}/relay/policy`, { method: "POST", headers, body: pol });
    const exp = await policy(expired);
    expect([exp.status, await exp.json()]).toEqual([401, { error: "expired" }]);
    c.failNext("policy", { status: 500, body: { error: "down" } });
    expect((await policy(auth)).status).toBe(500);
    expect((await policy(auth)).status).toBe(200);
    expect(c.policies).toHaveLength(1);
    expect(
      (await fetch(`${c.baseUrl}/relay/media`, { method: "POST", headers: auth, body: "" })).status,
    ).toBe(400);
    expect((await fetch(`${c.baseUrl}/relay/media/nope`, { headers: auth })).status).toBe(404);
    c.failNext("media", { status: 507 });
    expect(
      (await fetch(`${c.baseUrl}/relay/media`, { method: "POST", headers: auth, body: "x" }))
        .status,
    ).toBe(507);
    expect(
      (await fetch(`${c.baseUrl}/relay/media`, { method: "POST", headers: auth, body: "x" }))
        .status,
    ).toBe(200);
    expect((await fetch(`${c.baseUrl}/nowhere`)).status).toBe(404);
    expect((await fetch(`${c.baseUrl}/relay/enroll`)).status).toBe(404);
  });
});

describe("control API", () => {
  it("interrupt, inbound to a named gateway, drop, revoke, state; bad requests answered 400/404/405", async () => {
    const c = await connector();
    const g = gateway(c);
    await g.hello();
    const post = (path: string, body: unknown) => controlPost(c, path, body);
    const r = await post("/interrupt", { session_key: "agent:main:discord:dm:C1", chat_id: "C1" });
    expect(await r.json()).toEqual({ delivered: "live" });
    expect(await g.ofType("interrupt_inbound")).toEqual({
      type: "interrupt_inbound",
      session_key: "agent:main:discord:dm:C1",
      chat_id: "C1",
    });
    expect((await post("/interrupt", { chat_id: "C1" })).status).toBe(400);
    expect(
      await (await post("/inbound", { event: ev("for nobody"), gatewayId: "gw-asleep" })).json(),
    ).toEqual({ delivered: "buffered", bufferId: "buf-1" });
    expect((await post("/revoke", {})).status).toBe(400);
    expect((await post("/inbound", "[1]")).status).toBe(400);
    expect((await post("/nothing", {})).status).toBe(404);
    expect((await controlGet(c, "/state", { method: "PUT" })).status).toBe(405);
    expect((await controlGet(c, "/nothing")).status).toBe(404);
    expect((await post("/drop", {})).status).toBe(200);
    expect(await g.closed).toEqual({ code: 1012, reason: "service restart" });
    const g2 = gateway(c);
    await g2.hello();
    expect((await post("/revoke", { gatewayId: GW })).status).toBe(200);
    expect((await g2.closed).code).toBe(4401);
    const state = await (await controlGet(c, "/state")).text();
    expect(JSON.parse(state)).toEqual({
      connections: 0,
      gateways: {
        [GW]: { connected: false, revoked: true, buffered: false, buffer: 0, dials: 2 },
        "gw-asleep": { connected: false, revoked: false, buffered: true, buffer: 1, dials: 0 },
      },
      outbound: 0,
      policies: 0,
    });
    expect(state).not.toContain(SECRET);
  });
});

describe("control API access (a web page on the same machine must not drive it)", () => {
  /** A raw request, so Host and Origin are exactly what a browser or a rebound name would send. */
  function raw(
    c: ReferenceConnector,
    path: string,
    opts: { method?: string; headers?: Record<string, string>; body?: string },
  ) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port: c.port,
          path: `/dev${path}`,
          method: opts.method ?? "GET",
          headers: opts.headers,
          setHost: false,
        },
        (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.end(opts.body);
    });
  }
  const inbound = JSON.stringify({ event: ev("injected") });

  it("refuses a missing or wrong control token with 401, and injects nothing", async () => {
    const c = await connector();
    const host = `127.0.0.1:${c.port}`;
    const json = { host, "content-type": "application/json" };
    expect(
      (await raw(c, "/inbound", { method: "POST", headers: json, body: inbound })).status,
    ).toBe(401);
    expect(
      (
        await raw(c, "/inbound", {
          method: "POST",
          headers: { ...json, authorization: "Bearer nope" },
          body: inbound,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await raw(c, "/inbound", {
          method: "POST",
          headers: { ...json, authorization: `Bearer ${c.controlToken}x` },
          body: inbound,
        })
      ).status,
    ).toBe(401);
    expect((await raw(c, "/state", { headers: { host } })).status).toBe(401);
    expect(
      (
        await raw(c, "/revoke", {
          method: "POST",
          headers: json,
          body: JSON.stringify({ gatewayId: GW }),
        })
      ).status,
    ).toBe(401);
    expect(c.snapshot().gateways[GW]).toMatchObject({ revoked: false, buffer: 0 });
    expect(c.controlToken).toMatch(/^[0-9a-f]{64}$/);
    expect(new ReferenceConnector().controlToken).not.toBe(c.controlToken); // per run
  });

  it("refuses a text/plain or form body (what a page can POST without a preflight) with 415", async () => {
    const c = await connector();
    const auth = { host: `127.0.0.1:${c.port}`, authorization: `Bearer ${c.controlToken}` };
    for (const type of [
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
    ]) {
      expect(
        (
          await raw(c, "/inbound", {
            method: "POST",
            headers: { ...auth, "content-type": type },
            body: inbound,
          })
        ).status,
      ).toBe(415);
    }
    expect(
      (await raw(c, "/inbound", { method: "POST", headers: auth, body: inbound })).status,
    ).toBe(415);
    expect(c.snapshot().gateways[GW]).toMatchObject({ buffer: 0 });
    const ok = await raw(c, "/inbound", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json; charset=utf-8" },
      body: inbound,
    });
    expect(ok.status).toBe(200);
  });

  it("refuses a foreign Host (DNS rebinding) and a foreign Origin with 403, even with the token", async () => {
    const c = await connector();
    const good = { authorization: `Bearer ${c.controlToken}`, "content-type": "application/json" };
    const post = (headers: Record<string, string>) =>
      raw(c, "/inbound", { method: "POST", headers: { ...good, ...headers }, body: inbound });
    expect((await post({ host: `attacker.example:${c.port}` })).status).toBe(403);
    expect((await post({ host: "127.0.0.1:1" })).status).toBe(403);
    expect((await post({})).status).toBe(400); // no Host at all: node:http refuses HTTP/1.1 without one
    const host = `127.0.0.1:${c.port}`;
    expect((await post({ host, origin: "http://attacker.example" })).status).toBe(403);
    expect((await post({ host, origin: "null" })).status).toBe(403);
    expect((await post({ host, origin: `https://127.0.0.1:${c.port}` })).status).toBe(403);
    expect(c.snapshot().gateways[GW]).toMatchObject({ buffer: 0 });
    expect((await post({ host, origin: `http://127.0.0.1:${c.port}` })).status).toBe(200);
    expect((await post({ host: `localhost:${c.port}` })).status).toBe(200);
  });
});

describe("lifecycle, signed delivery, secrets", () => {
  it("stop() closes live sockets and the server", async () => {
    const c = await new ReferenceConnector({ gateways: { [GW]: [SECRET] } }).start();
    const g = gateway(c);
    await g.hello();
    await c.stop();
    await g.closed;
    await expect(controlGet(c, "/state")).rejects.toThrow();
  });

  it("deliverSigned: the /interrupt path and a string body sent byte for byte", async () => {
    const c = await connector();
    const interrupts: string[] = [];
    const messages: unknown[] = [];
    const server = createServer(
      createInboundReceiver({
        verifyKeys: ["dk"],
        onMessage: (e) => void messages.push(e),
        onInterrupt: (key, chat) => void interrupts.push(`${key}|${chat}`),
      }),
    ).listen(0, "127.0.0.1");
    await once(server, "listening");
    cleanups.push(() => new Promise((r) => server.close(r)));
    const receiver = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    const int = await c.deliverSigned(
      receiver.url,
      { type: "interrupt", session_key: "k1", reason: "stop" },
      { deliveryKey: "dk", path: "/interrupt" },
    );
    expect(int).toEqual({ status: 200, body: '{"ok":true}' });
    expect(interrupts).toEqual(["k1|stop"]);
    // Python-style spacing: signed over the exact bytes, so it verifies.
    const spaced =
      '{"type": "message", "event": {"text": "spaced", "source": {"platform": "discord", "chat_id": "c1", "chat_type": "dm"}}}';
    expect((await c.deliverSigned(receiver.url, spaced, { deliveryKey: "dk" })).status).toBe(200);
    expect(messages).toHaveLength(1);
    const stale = await c.deliverSigned(receiver.url, spaced, {
      deliveryKey: "dk",
      now: Date.now() - 3_600_000,
    });
    expect(stale.status).toBe(401);
  });

  it("never logs a secret or a token", async () => {
    logs.length = 0;
    const c = await connector({ identityTokens: ["identity-token-value"] });
    const token = makeUpgradeToken(GW, SECRET);
    const g = new RawGateway(c.url, bearer(token));
    await g.hello();
    g.send("garbage line\n");
    await new RawGateway(c.url, bearer(makeUpgradeToken(GW, "bad-secret-value"))).closed;
    const enr = c.issueEnrollmentToken();
    const res = await fetch(`${c.baseUrl}/relay/enroll`, {
      method: "POST",
      headers: bearer("identity-token-value"),
      body: JSON.stringify({ enrollmentToken: enr, gatewayId: "gw-n" }),
    });
    const creds = (await res.json()) as { secret: string; deliveryKey: string };
    c.pushInbound(ev("x"), { gatewayId: "gw-n" });
    g.ws.close();
    await g.closed;
    expect(logs.length).toBeGreaterThan(0);
    const all = logs.join("\n");
    for (const s of [
      SECRET,
      token,
      "bad-secret-value",
      "identity-token-value",
      enr,
      creds.secret,
      creds.deliveryKey,
    ])
      expect(all).not.toContain(s);
    expect(JSON.stringify(c.snapshot())).not.toContain(creds.secret);
  });
});
