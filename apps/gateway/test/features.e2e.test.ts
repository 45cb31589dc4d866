// The BUILT hermes-gateway, one capability per test, with only the settings a user would give
// it and an agent written as a user would write it (a small Node script): attachments reach
// the agent as files, the agent's files reach the chat with send_media, an ndjson reply streams
// as edits, and a prompt's button press comes back as promptResponse.
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WireMessageEvent } from "@hermes/relay-adapter";
import { promptAnswer, publishMedia, type ReferenceConnector } from "@hermes/relay-adapter/testing";
import { afterEach, describe, expect, it } from "vitest";
import { ProcessTestFixture } from "./support/fixture.js";
import { GatewayProcess } from "./support/gateway-process.js";

const GW = "gw-features-e2e";
const SECRET = "features-e2e-upgrade-secret-0123456789";
const fixture = new ProcessTestFixture(GW, [SECRET]);
afterEach(() => fixture.teardown());

function agentScript(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), "gw-agent-"));
  fixture.cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "agent.mjs");
  writeFileSync(file, source);
  return file;
}

/** Reads the event JSON from stdin and runs `body` with it as `event`. */
const nodeAgent = (body: string): string =>
  agentScript(`import { readFileSync, writeFileSync } from "node:fs";
const event = JSON.parse(readFileSync(0, "utf8"));
const out = (e) => process.stdout.write(JSON.stringify(e) + "\\n");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
${body}
`);

async function gatewayWith(
  platform: string,
  script: string,
  env: Record<string, string> = {},
): Promise<{ c: ReferenceConnector; gw: GatewayProcess }> {
  const c = await fixture.connector();
  const gw = new GatewayProcess(["run"], {
    GATEWAY_RELAY_URL: c.baseUrl,
    GATEWAY_RELAY_ID: GW,
    GATEWAY_RELAY_SECRET: SECRET,
    GATEWAY_RELAY_PLATFORMS: platform,
    GATEWAY_AGENT: `exec:${process.execPath} ${script}`,
    ...env,
  });
  fixture.processes.push(gw);
  await gw.waitForLog(
    (l) => typeof l.msg === "string" && l.msg.startsWith("relay link up"),
    "the link",
  );
  return { c, gw };
}

async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ev = (
  platform: string,
  text: string,
  over: Partial<WireMessageEvent> = {},
): WireMessageEvent => ({
  text,
  message_id: `m-${text}`,
  source: { platform, chat_id: "C1", chat_type: "dm", user_id: "U1" },
  ...over,
});

describe("hermes-gateway run: media, streaming, prompts", () => {
  it("an attachment reaches the agent as a local file under HERMES_HOME", async () => {
    const script = nodeAgent(`const m = event.media[0];
process.stdout.write(m.path ? "got " + readFileSync(m.path, "utf8") + " at " + m.path : "no file: " + m.error);`);
    const { c, gw } = await gatewayWith("discord", script);
    const { id, url } = publishMedia(c, Buffer.from("photo-bytes"), { contentType: "image/jpeg" });
    c.pushInbound(ev("discord", "look", { media: [{ url, kind: "image", mime: "image/jpeg" }] }));
    await until(() => c.chat.transcript("C1").length === 1, "the reply");
    expect(c.chat.transcript("C1")[0]).toBe(
      `got photo-bytes at ${join(gw.home, "gateway", "media", GW, `${id}.jpg`)}`,
    );
    expect(await gw.stop()).toBe(0);
  });

  it("a file the agent returns is uploaded and sent with send_media", async () => {
    const script = nodeAgent(`const file = new URL("./reply.png", import.meta.url).pathname;
writeFileSync(file, "chart-bytes");
out({ type: "media", path: file, kind: "image", caption: "your chart" });`);
    const { c, gw } = await gatewayWith("discord", script, { GATEWAY_AGENT_OUTPUT: "ndjson" });
    c.pushInbound(ev("discord", "chart please"));
    await until(() => c.outbound.some((o) => o.action.op === "send_media"), "send_media");
    const media = c.outbound.find((o) => o.action.op === "send_media")!.action;
    expect(media).toMatchObject({
      chat_id: "C1",
      media_kind: "image",
      content: "your chart",
      filename: "reply.png",
    });
    const id = String(media["source_url"]).split("/relay/media/")[1]!;
    expect(c.media.get(id)?.bytes.toString()).toBe("chart-bytes");
    expect(await gw.stop()).toBe(0);
  });

  it("an ndjson reply streams: sent at the first delta, then edited to the whole text", async () => {
    const script = nodeAgent(`out({ type: "delta", text: "Thinking" });
await sleep(1500);
out({ type: "delta", text: " about it" });
await sleep(1500);
out({ type: "delta", text: "… done." });`);
    const { c, gw } = await gatewayWith("telegram", script, {
      GATEWAY_AGENT_OUTPUT: "ndjson",
      GATEWAY_REACTIONS: "none",
    });
    c.pushInbound(ev("telegram", "go"));
    await until(() => c.chat.transcript("C1")[0] === "Thinking about it… done.", "the whole text");
    const [message] = c.chat.inChat("C1");
    expect(message!.versions[0]).toBe("Thinking");
    expect(message!.versions.length).toBeGreaterThanOrEqual(2);
    expect(c.outbound.filter((o) => o.action.op === "send")).toHaveLength(1);
    expect(await gw.stop()).toBe(0);
  });

  it("an HTTP agent answering application/x-ndjson streams too (no setting needed)", async () => {
    let release: (() => void) | null = null;
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write('{"type":"delta","text":"Part one"}\n');
      release = () => res.end('{"type":"delta","text":", part two"}\n');
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    fixture.cleanups.push(() => {
      server.closeAllConnections();
      server.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/turn`;
    const c = await fixture.connector();
    const gw = new GatewayProcess(["run"], {
      GATEWAY_RELAY_URL: c.baseUrl,
      GATEWAY_RELAY_ID: GW,
      GATEWAY_RELAY_SECRET: SECRET,
      GATEWAY_RELAY_PLATFORMS: "telegram",
      GATEWAY_AGENT: url,
    });
    fixture.processes.push(gw);
    await gw.waitForLog(
      (l) => typeof l.msg === "string" && l.msg.startsWith("relay link up"),
      "the link",
    );
    c.pushInbound(ev("telegram", "go"));
    // The first delta is on screen while the agent's answer is still open.
    await until(() => c.chat.transcript("C1")[0] === "Part one", "the first delta");
    release!();
    await until(() => c.chat.transcript("C1")[0] === "Part one, part two", "the whole text");
    expect(c.chat.inChat("C1")[0]!.versions).toEqual(["Part one", "Part one, part two"]);
    expect(await gw.stop()).toBe(0);
  });

  it("a prompt goes out as buttons; the press comes back to the agent as promptResponse", async () => {
    const script = nodeAgent(`if (event.promptResponse === null) {
  out({ type: "prompt", prompt_id: "color", content: "Pick a colour", options: [{ id: "red", label: "Red" }, { id: "blue", label: "Blue" }] });
} else {
  out({ type: "message", text: "chose " + event.promptResponse.optionId + " (" + event.promptResponse.label + ")" });
}`);
    const { c, gw } = await gatewayWith("discord", script, { GATEWAY_AGENT_OUTPUT: "ndjson" });
    c.pushInbound(ev("discord", "colour?"));
    await until(() => c.chat.inChat("C1").some((m) => m.op === "prompt"), "the prompt");
    const prompt = c.chat.inChat("C1").find((m) => m.op === "prompt")!;
    expect(prompt.options).toEqual([
      { id: "red", label: "Red" },
      { id: "blue", label: "Blue" },
    ]);
    c.pushInbound(
      promptAnswer(prompt, "blue", {
        platform: "discord",
        chat_id: "C1",
        chat_type: "dm",
        user_id: "U1",
      }),
    );
    await until(() => c.chat.transcript("C1").includes("chose blue (Blue)"), "the answer's reply");
    expect(await gw.stop()).toBe(0);
  });

  it("a malformed ndjson line fails the turn with AGENT_BAD_REPLY (nothing half-sent is repeated)", async () => {
    const script = nodeAgent(`process.stdout.write("{not json}\\n");`);
    const { c, gw } = await gatewayWith("discord", script, { GATEWAY_AGENT_OUTPUT: "ndjson" });
    c.pushInbound(ev("discord", "hi"));
    const failed = await gw.waitForLog((l) => l.msg === "turn failed", "turn failed");
    expect(failed["code"]).toBe("AGENT_BAD_REPLY");
    expect(c.chat.transcript("C1")).toEqual([]);
    expect(await gw.stop()).toBe(0);
  });
});
