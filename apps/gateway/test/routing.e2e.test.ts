// The BUILT hermes-gateway as a child process against a ReferenceConnector with its egress
// guard on: a Discord + Telegram gateway answers each chat through the identity it arrived on
// with the tenant discriminators, split by that platform's descriptor; a declined reply is
// neither retried nor continued; boot self-provision mints the credentials in memory; a
// Discord slash command comes back as `/name options` and is answered in its channel.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { WireMessageEvent } from "@hermes/relay-adapter";
import { ReferenceConnector, type ReferenceConnectorOptions } from "@hermes/relay-adapter/testing";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayProcess } from "./support/gateway-process.js";

const GW = "gw-routing-e2e";
const SECRET = "routing-e2e-upgrade-secret-0123456789";
const IDENTITY = "routing-e2e-identity-token-abcdef0123";
const BOT_IDS = JSON.stringify({ discord: { botId: "dc-bot" }, telegram: { botId: "tg-bot" } });

const cleanups: (() => unknown)[] = [];
const processes: GatewayProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) {
    // Neither the pinned secret nor the identity token ever appears in any output.
    for (const s of [SECRET, IDENTITY]) expect(p.raw).not.toContain(s);
    p.cleanup();
  }
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connector(
  opts: ReferenceConnectorOptions = { gateways: { [GW]: [SECRET] } },
): Promise<ReferenceConnector> {
  const c = await new ReferenceConnector({ egressGuard: true, ...opts }).start();
  cleanups.push(() => c.stop());
  return c;
}

function gateway(c: ReferenceConnector, env: Record<string, string> = {}): GatewayProcess {
  const p = new GatewayProcess(["run"], {
    GATEWAY_RELAY_URL: c.baseUrl,
    GATEWAY_RELAY_ID: GW,
    GATEWAY_RELAY_SECRET: SECRET,
    GATEWAY_RELAY_PLATFORMS: "discord,telegram",
    GATEWAY_RELAY_BOT_IDS: BOT_IDS,
    ...env,
  });
  processes.push(p);
  return p;
}

/**
 * Both identities said hello (the descriptor answer is written in the same turn): a connector
 * routes a platform's chats to a link only after that platform's hello.
 */
async function bothHandshakes(c: ReferenceConnector): Promise<void> {
  const seen = new Set<string>();
  await c.waitFor<{ direction: string; frame: { type: string; platform?: string } }>(
    "frame",
    (e) => {
      if (e.direction === "in" && e.frame.type === "hello") seen.add(String(e.frame.platform));
      return seen.has("discord") && seen.has("telegram");
    },
  );
}

async function until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sendsTo = (c: ReferenceConnector, chat: string) =>
  c.outbound.filter((o) => o.action.op === "send" && o.action["chat_id"] === chat);

const tgDm = (text: string, id: string): WireMessageEvent => ({
  text,
  message_id: id,
  source: { platform: "telegram", chat_id: "T1", chat_type: "dm", user_id: "U9" },
});
const dcGuild = (text: string, id: string, chat = "D1"): WireMessageEvent => ({
  text,
  message_id: id,
  source: { platform: "discord", chat_id: chat, chat_type: "group", user_id: "U1", scope_id: "G1" },
});

describe("routing (built bin)", () => {
  it("replies through each chat's own identity with its scope metadata, split by its own platform", async () => {
    const c = await connector();
    gateway(c);
    await bothHandshakes(c);
    // 2500 characters: one Telegram message (4096), two Discord messages (2000).
    const long = `${"word ".repeat(499)}end!!`;
    c.pushInbound(tgDm(long, "t-1"));
    c.pushInbound(dcGuild(long, "d-1"));
    await until(
      () => sendsTo(c, "T1").length === 1 && sendsTo(c, "D1").length === 2,
      "replies on both platforms",
    );
    const [tg] = sendsTo(c, "T1");
    expect([tg!.platform, tg!.botId, tg!.action["metadata"]]).toEqual([
      "telegram",
      "tg-bot",
      { user_id: "U9" },
    ]);
    for (const d of sendsTo(c, "D1")) {
      expect([d.platform, d.botId, d.action["metadata"]]).toEqual([
        "discord",
        "dc-bot",
        { scope_id: "G1", guild_id: "G1", user_id: "U1" },
      ]);
    }
    expect(
      sendsTo(c, "D1")
        .map((o) => String(o.action["content"]))
        .join(""),
    ).toBe(long);
  });

  it("a declined reply is logged once, not retried, and the rest of it is not sent", async () => {
    const c = await connector();
    const gw = gateway(c);
    await bothHandshakes(c);
    c.declineEgress((r) => r.action["chat_id"] === "D2");
    c.pushInbound(dcGuild(`${"x".repeat(1990)} ${"y".repeat(1990)}`, "d-2", "D2"));
    await gw.waitForLog(
      (l) => l.msg === "reply declined by the connector; not resent",
      "the turn's end",
    );
    expect(sendsTo(c, "D2")).toHaveLength(1);
    // One warning for the reply; the typing and reaction refusals around it are at debug.
    const declines = gw.lines.filter((l) => String(l.msg).includes("DECLINED"));
    expect(declines.filter((l) => Number(l.level) >= 40)).toHaveLength(1);
    expect(declines.filter((l) => Number(l.level) >= 40)[0]?.msg).toMatch(/relay send DECLINED/);
    // The link and other chats are unaffected.
    c.pushInbound(dcGuild("still here", "d-3"));
    await until(() => sendsTo(c, "D1").length === 1, "a reply elsewhere");
    expect(sendsTo(c, "D2")).toHaveLength(1);
  });

  it("self-provisions each platform at boot and dials with the credentials it was issued (memory only)", async () => {
    const c = await connector({ identityTokens: [IDENTITY] });
    const gw = gateway(c, {
      GATEWAY_RELAY_SECRET: "",
      GATEWAY_RELAY_IDENTITY_TOKEN: IDENTITY,
      GATEWAY_RELAY_ENDPOINT: "https://gw.example.test/hooks",
      GATEWAY_RELAY_ROUTE_KEYS: "G1, G2",
      GATEWAY_RELAY_INSTANCE_ID: "inst-42",
    });
    await bothHandshakes(c);
    expect(c.provisions).toEqual([
      {
        gatewayId: GW,
        platform: "discord",
        botId: "dc-bot",
        gatewayEndpoint: "https://gw.example.test/hooks",
        routeKeys: ["G1", "G2"],
        instanceId: "inst-42",
      },
      {
        gatewayId: GW,
        platform: "telegram",
        botId: "tg-bot",
        gatewayEndpoint: "https://gw.example.test/hooks",
        routeKeys: ["G1", "G2"],
        instanceId: "inst-42",
      },
    ]);
    const line = await gw.waitForLog((l) => l.msg === "relay self-provisioned");
    expect(line).toMatchObject({
      platforms: ["discord", "telegram"],
      instance: "inst-42",
      inbound: "yes",
    });
    c.pushInbound(tgDm("after provision", "t-9"));
    await until(() => sendsTo(c, "T1").length === 1, "a reply over the provisioned link");
    // Kept in memory: nothing written under HERMES_HOME holds a relay credential.
    const envFile = join(gw.home, ".env");
    expect(existsSync(envFile) ? readFileSync(envFile, "utf8") : "").not.toContain(
      "GATEWAY_RELAY_SECRET",
    );
    expect(readdirSync(gw.home).filter((f) => f.endsWith(".env"))).toEqual([]);
  });

  it("declares its commands on the Discord hello and answers a slash command in its channel", async () => {
    const c = await connector();
    gateway(c, { GATEWAY_COMMANDS: "ask:Ask the agent,new:Start a new conversation,Bad Name" });
    await bothHandshakes(c);
    await until(() => c.commandManifestOf(GW) !== undefined, "the manifest");
    expect(c.commandManifestOf(GW)).toEqual([
      { name: "ask", description: "Ask the agent" },
      { name: "new", description: "Start a new conversation" },
    ]);
    expect(c.commandManifestOf(GW, "telegram")).toBeUndefined();
    c.pushDiscordInteraction({
      id: "I1",
      type: 2,
      guild_id: "G7",
      channel_id: "C7",
      member: { nick: "Ada", user: { id: "U7", username: "ada" } },
      data: { name: "ask", options: [{ name: "args", type: 3, value: "what time is it" }] },
    });
    await until(() => sendsTo(c, "C7").length === 1, "the command's reply");
    const [reply] = sendsTo(c, "C7");
    // The echo agent shows what the gateway made of it: the command text with its options.
    expect(reply!.action["content"]).toBe("/ask what time is it");
    expect([reply!.platform, reply!.action["metadata"]]).toEqual([
      "discord",
      { scope_id: "G7", guild_id: "G7", user_id: "U7" },
    ]);
  });
});
