// The built hermes-gateway as a child process against a ReferenceConnector over loopback:
// every backend, per-session ordering and interrupt, drain with an inbound in the flip
// window, reconnect and buffered replay exactly once, revocation, policy, the legacy
// signed-HTTP receiver, and no secret in any output.
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  buildSessionKey,
  RELAY_DISABLED_MESSAGE,
  type WireMessageEvent,
} from "@hermes/relay-adapter";
import { ReferenceConnector, type OutboundRecord } from "@hermes/relay-adapter/testing";
import { eventually } from "@hermes/vitest-config/eventually";
import { afterEach, describe, expect, it } from "vitest";
import { ProcessTestFixture } from "./support/fixture.js";
import { freePort } from "./support/fixture.js";
import { GatewayProcess } from "./support/gateway-process.js";

const GW = "gw-e2e";
const SECRET = "e2e-upgrade-secret-0123456789abcdef";
const DELIVERY_KEY = "e2e-delivery-key-fedcba9876543210";
// No secret in any output line of any gateway run (checked after each test).
const fixture = new ProcessTestFixture(GW, [SECRET, DELIVERY_KEY]);
const { cleanups, processes } = fixture;
afterEach(() => fixture.teardown());
const connector = (): Promise<ReferenceConnector> => fixture.connector();

function gateway(
  c: ReferenceConnector,
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): GatewayProcess {
  const p = new GatewayProcess(
    ["run"],
    {
      GATEWAY_RELAY_URL: c.baseUrl,
      GATEWAY_RELAY_ID: GW,
      GATEWAY_RELAY_SECRET: SECRET,
      GATEWAY_RELAY_PLATFORMS: "discord",
      GATEWAY_HEALTH_PORT: "0",
      ...env,
    },
    files,
  );
  processes.push(p);
  return p;
}

const ev = (text: string, chat = "C1", user = "U1"): WireMessageEvent => ({
  text,
  message_id: `msg-${text}`,
  source: { platform: "discord", chat_id: chat, chat_type: "dm", user_id: user },
});

const sends = (c: ReferenceConnector, chat?: string): string[] =>
  c.outbound
    .filter((o) => o.action.op === "send" && (chat === undefined || o.action["chat_id"] === chat))
    .map((o) => String(o.action["content"]));

async function replyTo(c: ReferenceConnector, chat: string, n: number): Promise<void> {
  await eventually(() => sends(c, chat).length >= n, `${n} replies in ${chat}`);
}

describe("message in → agent → reply out", () => {
  it("echo (default): replies, reports health, declares the Discord policy, drains on SIGTERM with exit 0", async () => {
    const c = await connector();
    const gw = gateway(c);
    await c.waitFor("handshake");
    c.pushInbound(ev("hello there"));
    await replyTo(c, "C1", 1);
    expect(sends(c)).toEqual(["hello there"]);
    expect((await gw.waitForLog((l) => l.msg === "V8 young generation")).youngGeneration).toBe(
      "kept at its initial size",
    );
    const health = await gw.waitForLog((l) => l.msg === "health endpoint listening", "health url");
    const body = (await (await fetch(String(health["url"]))).json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      ok: true,
      relay: { state: "connected", platform: "discord", dialCount: 1, authRevoked: false },
      turnsInFlight: 0,
      draining: false,
    });
    await eventually(() => c.policies.length === 1, "policy");
    expect(c.policies[0]).toEqual({
      gatewayId: GW,
      platform: "discord",
      requireAddress: true,
      freeResponseScopes: [],
      allowOtherBots: false,
    });
    expect(await gw.stop("SIGTERM")).toBe(0);
  });

  it("a young-generation flag in NODE_OPTIONS is the operator's: the gateway leaves V8's sizing alone", async () => {
    const c = await connector();
    const gw = gateway(c, { NODE_OPTIONS: "--max-semi-space-size=8" });
    const handshake = c.waitFor("handshake"); // the gateway dials before anything else: wait from the spawn
    const line = await gw.waitForLog((l) => l.msg === "V8 young generation");
    expect(line.youngGeneration).toBe("sized by the operator's node flags");
    await handshake;
    expect(await gw.stop()).toBe(0);
  });

  it("exec: one process per turn, event JSON on stdin, reply on stdout", async () => {
    const c = await connector();
    const agent = `exec:node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const e=JSON.parse(s);process.stdout.write("exec saw "+e.text+" from "+e.source.user_id)})'`;
    gateway(c, { GATEWAY_AGENT: agent });
    await c.waitFor("handshake");
    c.pushInbound(ev("ping"));
    await replyTo(c, "C1", 1);
    expect(sends(c)).toEqual(["exec saw ping from U1"]);
  });

  it("HTTP: POSTs the event JSON and sends the reply from the body", async () => {
    const c = await connector();
    const seen: unknown[] = [];
    const agentServer: Server = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        const e = JSON.parse(body) as { text: string };
        seen.push(e);
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ reply: `http saw ${e.text}` }));
      });
    });
    await new Promise<void>((r) => agentServer.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => agentServer.close(r)));
    gateway(c, {
      GATEWAY_AGENT: `http://127.0.0.1:${(agentServer.address() as AddressInfo).port}/turn`,
    });
    await c.waitFor("handshake");
    c.pushInbound(ev("over http"));
    await replyTo(c, "C1", 1);
    expect(sends(c)).toEqual(["http saw over http"]);
    expect(seen[0]).toMatchObject({
      text: "over http",
      messageType: "text",
      source: { chat_id: "C1", user_id: "U1" },
    });
  });

  it("splits a long reply to the descriptor's max length, in order", async () => {
    const c = await connector();
    gateway(c);
    await c.waitFor("handshake");
    const long = Array.from({ length: 500 }, (_, i) => `w${i}`).join(" "); // > 2000 chars (Discord)
    c.pushInbound(ev(long));
    await eventually(
      () => sends(c).join(" ").replace(/\s+/g, " ").length >= long.length - 5,
      "all chunks",
    );
    const chunks = sends(c);
    expect(chunks.length).toBeGreaterThan(1);
    for (const ch of chunks) expect([...ch].length).toBeLessThanOrEqual(2000);
    expect(chunks.join(" ").replace(/\s+/g, " ").trim()).toBe(long);
  });
});

describe("turns", () => {
  const slowAgent = `exec:node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const e=JSON.parse(s);const ms=Number((/^sleep(\\d+)/.exec(e.text)||[])[1]||0);setTimeout(()=>process.stdout.write("done "+e.text),ms)})'`;

  it("one turn at a time per session, in order; other sessions run meanwhile", async () => {
    const c = await connector();
    gateway(c, { GATEWAY_AGENT: slowAgent });
    await c.waitFor("handshake");
    c.pushInbound(ev("sleep1500 first", "A"));
    c.pushInbound(ev("sleep10 second", "A"));
    c.pushInbound(ev("sleep10 other", "B"));
    await replyTo(c, "A", 2);
    const order = c.outbound
      .filter((o: OutboundRecord) => o.action.op === "send")
      .map((o: OutboundRecord) => String(o.action["content"]));
    expect(order).toEqual(["done sleep10 other", "done sleep1500 first", "done sleep10 second"]);
  });

  it("interrupt_inbound cancels exactly that session's running turn", async () => {
    const c = await connector();
    const gw = gateway(c, { GATEWAY_AGENT: slowAgent });
    await c.waitFor("handshake");
    c.pushInbound(ev("sleep20000 stuck", "A"));
    c.pushInbound(ev("sleep800 fine", "B"));
    const health = String(
      (await gw.waitForLog((l) => l.msg === "health endpoint listening", "health url"))["url"],
    );
    await eventually(
      async () =>
        ((await (await fetch(health)).json()) as { turnsInFlight: number }).turnsInFlight === 2,
      "both turns running",
    );
    const key = buildSessionKey({
      platform: "discord",
      chat_type: "dm",
      chat_id: "A",
      user_id: "U1",
    });
    expect(c.pushInterrupt(key, "A")).toEqual({ delivered: "live" });
    await gw.waitForLog(
      (l) => l.msg === "turn interrupted" && l["code"] === "AGENT_ABORTED" && l.level === 30,
      "aborted turn, logged at info",
    );
    await replyTo(c, "B", 1);
    c.pushInbound(ev("sleep0 after", "A"));
    await replyTo(c, "A", 1);
    expect(sends(c, "A")).toEqual(["done sleep0 after"]);
    expect(sends(c, "B")).toEqual(["done sleep800 fine"]);
  });
});

describe("lifecycle", () => {
  it("SIGTERM: serves an inbound in the flip window, buffers after the ack, and a restarted gateway gets the buffer exactly once", async () => {
    const c = await connector();
    const first = gateway(c);
    await c.waitFor("handshake");
    c.once("going_idle", () => c.pushInbound(ev("in the window")));
    expect(await first.stop("SIGTERM")).toBe(0);
    expect(sends(c)).toEqual(["in the window"]);
    expect(c.pushInbound(ev("while down 1"))).toMatchObject({ delivered: "buffered" });
    expect(c.pushInbound(ev("while down 2"))).toMatchObject({ delivered: "buffered" });

    const second = gateway(c);
    await replyTo(c, "C1", 3);
    await eventually(() => c.bufferOf(GW).length === 0, "acks");
    expect(sends(c)).toEqual(["in the window", "while down 1", "while down 2"]);
    expect(await second.stop("SIGTERM")).toBe(0);

    const third = gateway(c);
    await c.waitFor("handshake");
    c.pushInbound(ev("fresh"));
    await replyTo(c, "C1", 4);
    expect(sends(c)).toEqual(["in the window", "while down 1", "while down 2", "fresh"]);
    await third.stop("SIGTERM");
  });

  it("reconnects after the connector drops the socket (credentials read from $HERMES_HOME/.env)", async () => {
    const c = await connector();
    const gw = gateway(
      c,
      { GATEWAY_RELAY_SECRET: "", GATEWAY_RELAY_ID: "" },
      {
        ".env": `# written by hermes gateway enroll\nGATEWAY_RELAY_ID=${GW}\nGATEWAY_RELAY_SECRET=${SECRET}\n`,
      },
    );
    await c.waitFor("handshake");
    c.dropConnections();
    await c.waitFor("handshake");
    c.pushInbound(ev("after the drop"));
    await replyTo(c, "C1", 1);
    expect(c.dialCount(GW)).toBe(2);
    await gw.stop();
  });

  it("revocation: logs relay disabled, stops dialing, exits 3", async () => {
    const c = await connector();
    const gw = gateway(c);
    await c.waitFor("handshake");
    c.revoke(GW);
    expect(await gw.exited).toBe(3);
    expect(gw.lines.some((l) => l.msg === RELAY_DISABLED_MESSAGE)).toBe(true);
    // The exit is the proof it stopped dialing: a dead process dials nothing more.
    expect(c.upgradeCount).toBe(2); // the original dial and the one confirming re-dial
  });

  it("legacy signed-HTTP receiver: a signed delivery becomes a turn; a forged one is refused", async () => {
    const c = await connector();
    const port = await freePort();
    const gw = gateway(c, {
      GATEWAY_RELAY_DELIVERY_KEY: DELIVERY_KEY,
      GATEWAY_RELAY_INBOUND_PORT: String(port),
    });
    const handshake = c.waitFor("handshake"); // the gateway dials before the receiver listens: wait from the spawn
    const line = await gw.waitForLog(
      (l) => l.msg === "signed-HTTP inbound receiver listening",
      "receiver",
    );
    await handshake;
    const url = String(line["url"]);
    expect(
      await c.deliverSigned(
        url,
        { type: "message", event: ev("via http") },
        { deliveryKey: DELIVERY_KEY },
      ),
    ).toEqual({ status: 200, body: '{"ok":true}' });
    await replyTo(c, "C1", 1);
    expect(sends(c)).toEqual(["via http"]);
    expect(
      (
        await c.deliverSigned(
          url,
          { type: "message", event: ev("forged") },
          { deliveryKey: "wrong-key-0000" },
        )
      ).status,
    ).toBe(401);
    await gw.stop();
  });
});

describe("authorization and configuration", () => {
  it("a relay event is admitted through upstream trust only; a bad config exits 2 naming the key", async () => {
    const c = await connector();
    const bad = new GatewayProcess(["run"], {
      GATEWAY_RELAY_URL: c.baseUrl,
      GATEWAY_RELAY_PLATFORMS: "discord",
      GATEWAY_AGENT_TIMEOUT_MS: "soon",
    });
    processes.push(bad);
    expect(await bad.exited).toBe(2);
    expect(bad.raw).toContain("GATEWAY_AGENT_TIMEOUT_MS (from env)");
    // No allowlist configured: relay events are still answered (upstream trust, docs/contract/relay.md#authorization).
    gateway(c, { DISCORD_ALLOWED_USERS: "someone-else" });
    await c.waitFor("handshake");
    c.pushInbound(ev("trusted upstream", "C1", "U-not-listed"));
    await replyTo(c, "C1", 1);
  });
});
