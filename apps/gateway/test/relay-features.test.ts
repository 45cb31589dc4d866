// GatewayRuntime in-process against the ReferenceConnector over loopback, one rule at a time:
// inbound media localized with the bearer, agent media uploaded and sent (or its caption),
// streamed replies by edits, prompts as buttons or numbered text with the answer coming back
// as promptResponse, typing and reactions, and cosmetic refusals that never fail a turn.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { WireMessageEvent, WireSessionSource } from "@hermes/relay-adapter";
import {
  promptAnswer,
  publishMedia,
  ReferenceConnector,
  type OutboundRecord,
} from "@hermes/relay-adapter/testing";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentOutputEvent } from "../src/agent/ndjson-events.js";
import type { AgentBackend, AgentEvent } from "../src/agent/types.js";
import { resolveConfig } from "../src/config/resolve.js";
import type { InboundOutcome } from "../src/pipeline/handle-inbound.js";
import { createLogger } from "../src/ops/logger.js";
import { GatewayRuntime } from "../src/runtime/gateway.js";

const SECRET = "features-test-secret-0123456789";
const GW = "gw-features";
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "gw-features-"));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** An agent the test scripts turn by turn: it records what it saw and runs `script`. */
function scripted(
  script: (
    e: AgentEvent,
    emit: (ev: AgentOutputEvent) => void,
    turn: number,
  ) => Promise<string> | string,
) {
  const seen: AgentEvent[] = [];
  const agent: AgentBackend = {
    name: "scripted",
    async runTurn(e, { emit }) {
      seen.push(e);
      return script(e, (ev) => emit?.(ev), seen.length);
    },
  };
  return { agent, seen };
}

async function start(platform: string, agent: AgentBackend, env: Record<string, string> = {}) {
  const connector = await new ReferenceConnector({ gateways: { [GW]: [SECRET] } }).start();
  cleanups.push(() => connector.stop());
  const home = tempDir();
  const config = resolveConfig({
    env: {
      HERMES_HOME: home,
      GATEWAY_RELAY_URL: connector.baseUrl,
      GATEWAY_RELAY_ID: GW,
      GATEWAY_RELAY_SECRET: SECRET,
      GATEWAY_RELAY_PLATFORMS: platform,
      ...env,
    },
    readFile: () => null,
  });
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger({
    level: "debug",
    secrets: config.secretValues,
    format: "json",
    destination,
  });
  const outcomes: InboundOutcome[] = [];
  const handshake = connector.waitFor("handshake");
  const runtime = await GatewayRuntime.start({
    config,
    log,
    env: {},
    agent,
    onOutcome: (_e, o) => void outcomes.push(o as InboundOutcome),
  });
  cleanups.push(() => runtime.stop("test over"));
  await handshake;
  const turn = async (event: WireMessageEvent): Promise<InboundOutcome> => {
    const n = outcomes.length + 1;
    connector.pushInbound(event);
    await until(() => outcomes.length >= n, "the turn's outcome");
    return outcomes[n - 1]!;
  };
  return { connector, runtime, home, lines, turn };
}

async function until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const source = (platform: string, over: Partial<WireSessionSource> = {}): WireSessionSource => ({
  platform,
  chat_id: "C1",
  chat_type: "dm",
  user_id: "U1",
  ...over,
});
let nextId = 1;
const ev = (
  platform: string,
  text: string,
  over: Partial<WireMessageEvent> = {},
): WireMessageEvent => ({ text, message_id: `u${nextId++}`, source: source(platform), ...over });
const ops = (c: ReferenceConnector, op: string): OutboundRecord[] =>
  c.outbound.filter((o) => o.action.op === op);

describe("inbound media", () => {
  it("a connector reference is downloaded with the bearer into HERMES_HOME and handed to the agent as a path", async () => {
    const { agent, seen } = scripted(() => "seen");
    const { connector, home, turn } = await start("discord", agent);
    const { id, url } = publishMedia(connector, Buffer.from("image-bytes"), {
      contentType: "image/png",
    });
    const foreign = "https://cdn.example.com/relay/media/abc";
    expect(
      await turn(
        ev("discord", "look", {
          media: [
            { url, kind: "image", mime: "image/png" },
            { url: foreign, kind: "image" },
          ],
        }),
      ),
    ).toMatchObject({ kind: "replied" });
    const [local, other] = seen[0]!.media;
    expect(local).toMatchObject({
      url,
      kind: "image",
      path: join(home, "gateway", "media", GW, `${id}.png`),
    });
    expect(readFileSync(local!.path!).toString()).toBe("image-bytes");
    expect(other).toMatchObject({
      url: foreign,
      error: expect.stringContaining("not a connector media reference"),
    });
    expect(other).not.toHaveProperty("path");
  });

  it("a reference that is gone leaves path absent and says why; the turn still runs", async () => {
    const { agent, seen } = scripted(() => "ok");
    const { connector, turn } = await start("discord", agent);
    expect(
      await turn(
        ev("discord", "look", {
          media: [{ url: `${connector.baseUrl}/relay/media/deadbeef`, kind: "image" }],
        }),
      ),
    ).toMatchObject({ kind: "replied" });
    expect(seen[0]!.media[0]).toMatchObject({ error: expect.stringContaining("404") });
    expect(seen[0]!.media[0]).not.toHaveProperty("path");
  });
});

describe("agent media out", () => {
  it("is uploaded to /relay/media and sent with send_media and its kind", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "note.ogg"), "voice-bytes");
    const { agent } = scripted(
      (_e, emit) => (
        emit({ type: "media", path: join(dir, "note.ogg"), kind: "voice", caption: "listen" }),
        ""
      ),
    );
    const { connector, turn } = await start("telegram", agent);
    expect(await turn(ev("telegram", "speak"))).toEqual({ kind: "replied", chunks: 1 });
    const [media] = ops(connector, "send_media");
    expect(media?.action).toMatchObject({
      chat_id: "C1",
      media_kind: "voice",
      content: "listen",
      filename: "note.ogg",
    });
    const id = String(media?.action["source_url"]).split("/relay/media/")[1]!;
    expect(connector.media.get(id)).toMatchObject({
      bytes: Buffer.from("voice-bytes"),
      contentType: "audio/ogg",
      filename: "note.ogg",
    });
  });

  it("falls back to the caption as text where send_media is not supported", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "a.png"), "png");
    const { agent } = scripted(
      (_e, emit) => (
        emit({ type: "media", path: join(dir, "a.png"), kind: "image", caption: "a chart" }),
        ""
      ),
    );
    const { connector, turn } = await start("slack", agent);
    expect(await turn(ev("slack", "chart"))).toEqual({ kind: "replied", chunks: 1 });
    expect(ops(connector, "send_media")).toEqual([]);
    expect(ops(connector, "send").map((o) => o.action["content"])).toEqual(["a chart"]);
    expect(connector.media.size).toBe(0);
  });
});

describe("streamed replies", () => {
  it("where the chat can edit, deltas are shown progressively and end with the whole text", async () => {
    let connectorRef: ReferenceConnector | null = null;
    const { agent } = scripted(async (_e, emit) => {
      emit({ type: "delta", text: "Hello" });
      await until(
        () => connectorRef!.chat.transcript("C1").length === 1,
        "the first delta on screen",
      );
      emit({ type: "delta", text: ", world" });
      return "";
    });
    const { connector, turn } = await start("telegram", agent);
    connectorRef = connector;
    expect(await turn(ev("telegram", "hi"))).toEqual({ kind: "replied", chunks: 1 });
    const [message] = connector.chat.inChat("C1");
    expect(message?.versions).toEqual(["Hello", "Hello, world"]);
    expect(ops(connector, "edit")).toHaveLength(1);
  });

  it("where it cannot, the reply is sent once complete", async () => {
    const { agent } = scripted((_e, emit) => {
      for (const t of ["a", "b", "c"]) emit({ type: "delta", text: t });
      return "";
    });
    const { connector, turn } = await start("slack", agent, { GATEWAY_REACTIONS: "none" });
    await turn(ev("slack", "hi"));
    // Slack's reference descriptor has supports_edit: it streams too; the descriptor decides.
    expect(connector.chat.transcript("C1")).toEqual(["abc"]);
  });
});

describe("prompts", () => {
  it("go out as buttons where supported; the press comes back as the next event's promptResponse", async () => {
    const { agent, seen } = scripted((e, emit) => {
      if (e.promptResponse === null)
        emit({
          type: "prompt",
          prompt_id: "deploy",
          content: "Deploy?",
          options: [
            { id: "yes", label: "Yes" },
            { id: "no", label: "No" },
          ],
        });
      else emit({ type: "message", text: `you chose ${e.promptResponse.optionId}` });
      return "";
    });
    const { connector, turn } = await start("discord", agent);
    await turn(ev("discord", "ship it"));
    const [prompt] = connector.chat.inChat("C1");
    expect(prompt).toMatchObject({
      op: "prompt",
      promptId: "deploy",
      content: "Deploy?",
      options: [
        { id: "yes", label: "Yes" },
        { id: "no", label: "No" },
      ],
    });
    expect(ops(connector, "prompt")[0]?.action).toMatchObject({ prompt_kind: "choice" });
    await turn(promptAnswer(prompt!, "yes", source("discord")));
    expect(seen[1]?.promptResponse).toEqual({
      promptId: "deploy",
      optionId: "yes",
      label: "Yes",
      promptMessageId: prompt!.messageId,
    });
    expect(connector.chat.transcript("C1").at(-1)).toBe("you chose yes");
  });

  it("elsewhere go out as numbered text; the typed number comes back as promptResponse in the same session", async () => {
    const { agent, seen } = scripted((e, emit) => {
      if (e.promptResponse === null)
        emit({
          type: "prompt",
          prompt_id: "size",
          content: "Size?",
          options: [
            { id: "s", label: "Small" },
            { id: "l", label: "Large" },
          ],
        });
      return "";
    });
    const { connector, turn } = await start("slack", agent);
    await turn(ev("slack", "order"));
    expect(connector.chat.transcript("C1")).toEqual([
      "Size?\n\n1. Small\n2. Large\n\nReply with a number.",
    ]);
    await turn(ev("slack", "2"));
    expect(seen[1]?.promptResponse).toMatchObject({
      promptId: "size",
      optionId: "l",
      label: "Large",
    });
  });
});

describe("activity", () => {
  it("Discord: typing while the turn runs, 👀 on the user's message, then ✅", async () => {
    const { agent } = scripted(() => "done");
    const { connector, turn } = await start("discord", agent);
    await turn(ev("discord", "hi", { message_id: "user-msg" }));
    await until(
      () => connector.chat.activity.filter((a) => a.op === "react").length === 3,
      "three reactions",
    );
    expect(
      connector.chat.activity.map((a) => [a.op, a.emoji ?? a.content ?? "", a.remove === true]),
    ).toEqual([
      ["typing", "", false],
      ["react", "👀", false],
      ["react", "👀", true],
      ["react", "✅", false],
    ]);
    expect(
      connector.chat.activity
        .filter((a) => a.op === "react")
        .every((a) => a.messageId === "user-msg"),
    ).toBe(true);
  });

  it("a failed turn ends with ❌; Telegram gets no reactions by default; Slack's typing is cleared", async () => {
    const failing: AgentBackend = {
      name: "f",
      runTurn: async () =>
        Promise.reject(Object.assign(new Error("boom"), { code: "AGENT_FAILED" })),
    };
    const d = await start("discord", failing);
    expect(await d.turn(ev("discord", "hi"))).toMatchObject({ kind: "failed" });
    await until(() => d.connector.chat.activity.some((a) => a.emoji === "❌"), "❌");
    const t = await start("telegram", scripted(() => "ok").agent);
    await t.turn(ev("telegram", "hi"));
    expect(t.connector.chat.activity.map((a) => a.op)).toEqual(["typing"]);
    const s = await start("slack", scripted(() => "ok").agent, { GATEWAY_REACTIONS: "none" });
    await s.turn(ev("slack", "hi"));
    await until(() => s.connector.chat.activity.length === 2, "the typing clear");
    expect(s.connector.chat.activity.map((a) => [a.op, a.content ?? null])).toEqual([
      ["typing", null],
      ["typing", ""],
    ]);
  });

  it("a connector refusing every cosmetic op never fails a turn", async () => {
    const { agent } = scripted(() => "answer");
    const { connector, turn } = await start("discord", agent);
    connector.onOutbound((r) =>
      r.action.op === "typing" || r.action.op === "react"
        ? { success: false, error: "egress_declined", code: "egress_declined" }
        : undefined,
    );
    expect(await turn(ev("discord", "hi"))).toEqual({ kind: "replied", chunks: 1 });
    expect(connector.chat.transcript("C1")).toEqual(["answer"]);
  });
});
