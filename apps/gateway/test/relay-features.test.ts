// GatewayRuntime in-process against the ReferenceConnector over loopback, one rule at a time:
// inbound media localized with the bearer, agent media uploaded and sent (or its caption),
// streamed replies by edits, prompts as buttons or numbered text with the answer coming back
// as promptResponse, typing and reactions, and cosmetic refusals that never fail a turn.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  eventFromWire,
  type RelayMessageEvent,
  type WireMessageEvent,
  type WireSessionSource,
} from "@hermes/relay-adapter";
import {
  promptAnswer,
  publishMedia,
  ReferenceConnector,
  type OutboundRecord,
} from "@hermes/relay-adapter/testing";
import { afterEach, describe, expect, it } from "vitest";
import { capturedLogger } from "./support/captured-log.js";
import type { AgentOutputEvent } from "../src/agent/ndjson-events.js";
import type { AgentBackend, AgentEvent } from "../src/agent/types.js";
import { resolveConfig } from "../src/config/resolve.js";
import type { InboundOutcome } from "../src/pipeline/handle-inbound.js";
import { GatewayRuntime } from "../src/runtime/gateway.js";
import { journalPath, TurnJournal } from "../src/turns/journal.js";

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

async function start(
  platform: string,
  agent: AgentBackend,
  env: Record<string, string> = {},
  connectorOpts: Partial<ConstructorParameters<typeof ReferenceConnector>[0]> = {},
  run: { home?: string; journal?: boolean } = {},
) {
  const connector = await new ReferenceConnector({
    gateways: { [GW]: [SECRET] },
    ...connectorOpts,
  }).start();
  cleanups.push(() => connector.stop());
  const home = run.home ?? tempDir();
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
  const { log, lines } = capturedLogger(config.secretValues);
  const outcomes: InboundOutcome[] = [];
  const handshake = connector.waitFor("handshake");
  const runtime = await GatewayRuntime.start({
    config,
    log,
    env: {},
    agent,
    journal: run.journal === true,
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

describe("media over self-provisioned credentials", () => {
  it("downloads and uploads with the secret issued at boot (no secret configured)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "out.png"), "out-bytes");
    const { agent, seen } = scripted(
      (_e, emit) => (emit({ type: "media", path: join(dir, "out.png"), kind: "image" }), ""),
    );
    const { connector, turn } = await start(
      "discord",
      agent,
      { GATEWAY_RELAY_SECRET: "", GATEWAY_RELAY_IDENTITY_TOKEN: "caller-identity-token" },
      { gateways: {}, identityTokens: ["caller-identity-token"] },
    );
    expect(connector.provisions).toHaveLength(1);
    const { url } = publishMedia(connector, Buffer.from("in-bytes"), { contentType: "image/png" });
    await turn(ev("discord", "look", { media: [{ url, kind: "image" }] }));
    const local = seen[0]!.media[0]!;
    expect(local.error).toBeUndefined();
    expect(readFileSync(local.path!).toString()).toBe("in-bytes");
    const [media] = ops(connector, "send_media");
    const id = String(media?.action["source_url"]).split("/relay/media/")[1]!;
    expect(connector.media.get(id)?.bytes).toEqual(Buffer.from("out-bytes"));
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

describe("per-chat capabilities", () => {
  it("a Discord+Telegram gateway streams only in the chat whose platform allows edits", async () => {
    const { agent } = scripted((_e, emit) => {
      emit({ type: "delta", text: "Hello" });
      emit({ type: "delta", text: ", world" });
      return "";
    });
    // Telegram here can neither edit nor stream drafts; Discord keeps its reference descriptor.
    const { connector, turn } = await start(
      "discord,telegram",
      agent,
      { GATEWAY_REACTIONS: "none" },
      {
        descriptors: { telegram: { supports_edit: false, supports_draft_streaming: false } },
      },
    );
    const tg = { ...ev("telegram", "hi"), source: source("telegram", { chat_id: "T1" }) };
    expect(await turn(tg)).toEqual({ kind: "replied", chunks: 1 });
    const dc = { ...ev("discord", "hi"), source: source("discord", { chat_id: "D1" }) };
    expect(await turn(dc)).toEqual({ kind: "replied", chunks: 1 });
    const edits = ops(connector, "edit");
    expect(edits.map((o) => [o.platform, o.action["chat_id"]])).toEqual([["discord", "D1"]]);
    expect(connector.chat.transcript("T1")).toEqual(["Hello, world"]);
    expect(connector.chat.inChat("D1")[0]?.versions).toEqual(["Hello", "Hello, world"]);
    // Every op of the Discord turn went out through Discord, with the chat's metadata.
    for (const o of connector.outbound.filter((r) => r.action["chat_id"] === "D1"))
      expect(o.platform).toBe("discord");
  });
});

describe("turns run again from the journal", () => {
  it("a Telegram turn recovered after a restart is answered through Telegram, with its chat's metadata", async () => {
    const home = tempDir();
    const wire: WireMessageEvent = {
      text: "hi",
      message_id: "t9",
      source: source("telegram", { chat_id: "T9", user_id: "U9", profile: "work" }),
    };
    const converted = eventFromWire(wire);
    if (!converted.ok) throw new Error(converted.message);
    const opened = TurnJournal.open<RelayMessageEvent>(journalPath(home, GW));
    opened.journal.take("telegram:T9:t9", converted.event);
    await opened.journal.durable();
    opened.journal.close();
    const { agent } = scripted(() => "answer");
    // Discord is the primary identity: a chat the link never delivered must not default to it.
    const { connector } = await start(
      "discord,telegram",
      agent,
      { GATEWAY_REACTIONS: "none" },
      {},
      { home, journal: true },
    );
    await until(() => ops(connector, "send").length > 0, "the recovered turn's reply");
    const [reply] = ops(connector, "send");
    expect(reply?.platform).toBe("telegram");
    expect(reply?.action).toMatchObject({
      chat_id: "T9",
      content: "answer",
      metadata: { user_id: "U9", profile: "work" },
    });
  });
});

describe("turns run again from the journal (before the link is up)", () => {
  it("a recovered Discord turn is split by Discord's limit, not the placeholder descriptor's", async () => {
    const home = tempDir();
    const wire: WireMessageEvent = {
      text: "long please",
      message_id: "d9",
      source: source("discord", { chat_id: "D9", user_id: "U9" }),
    };
    const converted = eventFromWire(wire);
    if (!converted.ok) throw new Error(converted.message);
    const opened = TurnJournal.open<RelayMessageEvent>(journalPath(home, GW));
    opened.journal.take("discord:D9:d9", converted.event);
    await opened.journal.durable();
    opened.journal.close();
    const { agent } = scripted(() => "x".repeat(3000));
    const { connector } = await start(
      "discord",
      agent,
      { GATEWAY_REACTIONS: "none" },
      {},
      {
        home,
        journal: true,
      },
    );
    await until(() => ops(connector, "send").length >= 2, "the recovered turn's reply");
    expect(ops(connector, "send").map((o) => String(o.action["content"]).length)).toEqual([
      2000, 1000,
    ]);
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
      promptId: expect.stringMatching(/^[0-9a-f]{8}\.deploy$/),
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

  it("a Discord button press (hp1: component) reaches the agent as promptResponse with its own prompt id", async () => {
    const { agent, seen } = scripted((e, emit) => {
      if (e.promptResponse === null)
        emit({
          type: "prompt",
          prompt_id: "deploy",
          content: "Deploy?",
          options: [{ id: "yes", label: "Yes" }],
        });
      else emit({ type: "message", text: `you chose ${e.promptResponse.optionId}` });
      return "";
    });
    const { connector, turn } = await start("discord", agent, { GATEWAY_REACTIONS: "none" });
    await turn(ev("discord", "ship it"));
    const [prompt] = connector.chat.inChat("C1");
    const wireId = String(prompt?.promptId);
    expect(wireId).toMatch(/^[0-9a-f]{8}\.deploy$/);
    const n = connector.outbound.length;
    connector.pushDiscordInteraction({
      type: 3,
      id: "ix-1",
      channel_id: "C1",
      user: { id: "U1", username: "u" },
      message: { id: prompt!.messageId },
      data: { custom_id: `hp1:${wireId}:yes` },
    });
    await until(() => seen.length === 2, "the press as a turn");
    expect(seen[1]?.promptResponse).toEqual({
      promptId: "deploy",
      optionId: "yes",
      label: "Yes",
      promptMessageId: prompt!.messageId,
    });
    await until(() => connector.outbound.length > n, "the answer's reply");
    expect(connector.chat.transcript("C1").at(-1)).toBe("you chose yes");
  });

  it("a press on another gateway's prompt (fanned out by the connector) runs no turn", async () => {
    const { agent, seen } = scripted(() => "should not run");
    const { connector, lines } = await start("discord", agent);
    connector.pushDiscordInteraction({
      type: 3,
      id: "ix-2",
      channel_id: "C1",
      user: { id: "U1", username: "u" },
      data: { custom_id: "hp1:ffffffff.deploy:yes" },
    });
    await until(
      () => lines.some((l) => l.includes("prompt answer for another gateway")),
      "the foreign press noted",
    );
    expect(seen).toEqual([]);
    expect(ops(connector, "send")).toEqual([]);
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

describe("a session's next turn and the previous reply's answer", () => {
  /** Holds the connector's answer to the reply `content` until `release()`. */
  function holdAnswer(connector: ReferenceConnector, content: string) {
    let release!: () => void;
    const held = new Promise<undefined>((r) => (release = () => r(undefined)));
    connector.onOutbound((r) =>
      r.action.op === "send" && r.action.content === content ? held : undefined,
    );
    return { release };
  }
  const sent = (c: ReferenceConnector): unknown[] => ops(c, "send").map((o) => o.action.content);

  it("the next message's agent runs while the previous reply waits for its answer; its reply goes out only after that answer", async () => {
    const { agent, seen } = scripted((_e, _emit, n) => `reply-${n}`);
    const { connector } = await start("discord", agent, {}, {}, { journal: true });
    const answer = holdAnswer(connector, "reply-1");
    connector.pushInbound(ev("discord", "one"));
    await until(() => sent(connector).length === 1, "the first reply");
    connector.pushInbound(ev("discord", "two"));
    // The second turn's agent runs although the first reply has no answer yet…
    await until(() => seen.length === 2, "the second turn's agent");
    // …but its reply waits for that answer: one reply of a session out without its answer.
    await new Promise((r) => setTimeout(r, 100));
    expect(sent(connector)).toEqual(["reply-1"]);
    answer.release();
    await until(() => sent(connector).length === 2, "the second reply");
    expect(sent(connector)).toEqual(["reply-1", "reply-2"]);
    expect(connector.chat.transcript("C1")).toEqual(["reply-1", "reply-2"]);
  });

  it("at the drain budget, a turn waiting for the previous reply's answer is cut off unsent; both run again after a restart", async () => {
    const { agent, seen } = scripted((_e, _emit, n) => `reply-${n}`);
    const home = tempDir();
    const { connector, runtime } = await start(
      "discord",
      agent,
      { GATEWAY_DRAIN_TIMEOUT_MS: "200" },
      {},
      { journal: true, home },
    );
    holdAnswer(connector, "reply-1"); // never answered
    const first = ev("discord", "one");
    const second = ev("discord", "two");
    connector.pushInbound(first);
    await until(() => sent(connector).length === 1, "the first reply");
    connector.pushInbound(second);
    await until(() => seen.length === 2, "the second turn's agent");
    expect(await runtime.stop("test")).toBe(0);
    expect(sent(connector)).toEqual(["reply-1"]);
    // Neither finished: the journal hands both back for the next start, in order.
    const reopened = TurnJournal.open(journalPath(home, GW));
    expect(reopened.unfinished.map((u) => u.key)).toEqual([
      `discord:C1:${first.message_id}`,
      `discord:C1:${second.message_id}`,
    ]);
    reopened.journal.close();
  });
});
