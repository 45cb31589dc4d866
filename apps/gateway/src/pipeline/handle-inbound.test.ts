import { describe, expect, it } from "vitest";
import { relayEvent } from "../../test/support/events.js";
import { fakeChat } from "../../test/support/fake-chat.js";
import { TurnActivity } from "../activity/turn-activity.js";
import { echoAgent } from "../agent/echo.js";
import { AgentError, type AgentBackend, type AgentEvent } from "../agent/types.js";
import { PromptBook } from "../reply/prompts.js";
import { TurnScheduler } from "../turns/scheduler.js";
import { handleInbound, type InboundDeps } from "./handle-inbound.js";

function deps(over: Partial<InboundDeps> = {}, chat = fakeChat({ maxMessageLength: 100 })) {
  const d: InboundDeps = {
    agent: echoAgent(),
    scheduler: new TurnScheduler(),
    authorize: () => ({ ok: true, via: "allowlist" }),
    sessionKey: (e) => e.source.chat_id,
    outbound: () => chat.out,
    ...over,
  };
  return { d, chat };
}

describe("handleInbound", () => {
  it("runs the agent and sends the reply split to the descriptor's length, in order", async () => {
    const { d, chat } = deps({}, fakeChat({ maxMessageLength: 5, lenUnit: "utf16" }));
    expect(await handleInbound(relayEvent("abcd efgh🔌"), d)).toEqual({
      kind: "replied",
      chunks: 3,
    });
    expect(chat.texts()).toEqual(["abcd ", "efgh", "🔌"]);
  });

  it("a denied event never reaches the agent", async () => {
    let ran = false;
    const agent: AgentBackend = { name: "spy", runTurn: async () => ((ran = true), "x") };
    const { d, chat } = deps({ agent, authorize: () => ({ ok: false, reason: "no allowlist" }) });
    expect(await handleInbound(relayEvent("hi"), d)).toEqual({
      kind: "denied",
      reason: "no allowlist",
    });
    expect(ran).toBe(false);
    expect(chat.ops).toEqual([]);
  });

  it("agent failures and draining are typed outcomes; empty replies send nothing", async () => {
    const failing: AgentBackend = {
      name: "f",
      runTurn: async () => Promise.reject(new AgentError("AGENT_TIMEOUT", "slow")),
    };
    expect(await handleInbound(relayEvent("hi"), deps({ agent: failing }).d)).toMatchObject({
      kind: "failed",
      code: "AGENT_TIMEOUT",
    });
    const { d, chat } = deps();
    expect(await handleInbound(relayEvent("  "), d)).toEqual({ kind: "empty" });
    expect(chat.ops).toEqual([]);
    void d.scheduler.drain(0);
    expect(await handleInbound(relayEvent("hi"), d)).toEqual({ kind: "draining" });
  });

  it("events an agent emits go out in order after its plain text is taken as a last message", async () => {
    const agent: AgentBackend = {
      name: "v2",
      runTurn: async (_e, { emit }) => {
        emit?.({ type: "message", text: "one" });
        emit?.({ type: "media", path: "/tmp/a.png", kind: "image", caption: "look" });
        return "tail";
      },
    };
    const { d, chat } = deps({ agent });
    expect(await handleInbound(relayEvent("hi"), d)).toEqual({ kind: "replied", chunks: 3 });
    expect(chat.ops.map((o) => o.op)).toEqual(["send", "send_media", "send"]);
    expect(chat.ops[1]?.fields).toMatchObject({
      media_kind: "image",
      content: "look",
      filename: "a.png",
    });
  });

  it("activity brackets the turn: typing and 👀 first, ✅ on success and ❌ on failure", async () => {
    const activity = new TurnActivity({
      typingIntervalMs: 60_000,
      reactionPlatforms: ["discord"],
      every: () => () => undefined,
    });
    const ok = deps({ activity });
    await handleInbound(relayEvent("hi", { message_id: "u1" }), ok.d);
    const seen = (ops: { op: string; fields: Record<string, unknown> }[]) =>
      ops
        .filter((o) => o.op !== "send")
        .map(
          (o) =>
            `${o.op}:${String(o.fields["emoji"] ?? "")}${o.fields["remove"] === true ? "-" : ""}`,
        );
    expect(seen(ok.chat.ops)).toEqual(["typing:", "react:👀", "react:👀-", "react:✅"]);
    const failing: AgentBackend = {
      name: "f",
      runTurn: async () => Promise.reject(new AgentError("AGENT_FAILED", "x")),
    };
    const bad = deps({ activity, agent: failing });
    await handleInbound(relayEvent("hi", { message_id: "u2" }), bad.d);
    expect(seen(bad.chat.ops)).toEqual(["typing:", "react:👀", "react:👀-", "react:❌"]);
  });

  it("a cosmetic op that fails never fails the turn", async () => {
    const activity = new TurnActivity({
      reactionPlatforms: ["discord"],
      every: () => () => undefined,
    });
    const chat = fakeChat({
      answer: (op) => (op === "send" ? undefined : { success: false, error: "egress_declined" }),
    });
    const { d } = deps({ activity }, chat);
    expect(await handleInbound(relayEvent("hi", { message_id: "u1" }), d)).toEqual({
      kind: "replied",
      chunks: 1,
    });
  });

  it("a numbered text prompt is answered by the next message of the same session", async () => {
    const seen: AgentEvent[] = [];
    const agent: AgentBackend = {
      name: "asker",
      runTurn: async (e, { emit }) => {
        seen.push(e);
        if (e.promptResponse === null)
          emit?.({
            type: "prompt",
            prompt_id: "p1",
            content: "Pick",
            options: [
              { id: "a", label: "Apples" },
              { id: "b", label: "Pears" },
            ],
          });
        return "";
      },
    };
    const { d, chat } = deps({ agent, prompts: new PromptBook() }, fakeChat({ ops: ["send"] }));
    await handleInbound(relayEvent("start"), d);
    expect(chat.texts()).toEqual(["Pick\n\n1. Apples\n2. Pears\n\nReply with a number."]);
    await handleInbound(relayEvent("2"), d);
    expect(seen[1]?.promptResponse).toEqual({
      promptId: "p1",
      optionId: "b",
      label: "Pears",
      promptMessageId: "m1",
    });
    await handleInbound(relayEvent("2"), d); // the prompt was answered: "2" is just text now
    expect(seen[2]?.promptResponse).toBeNull();
  });

  it("attachments are localized before the agent runs", async () => {
    const seen: AgentEvent[] = [];
    const agent: AgentBackend = { name: "spy", runTurn: async (e) => (seen.push(e), "ok") };
    const localize: InboundDeps["localize"] = async (e) => ({
      ...e,
      media: e.media.map((m) => ({ ...m, path: "/cache/x.png" })),
    });
    const { d } = deps({ agent, localize });
    await handleInbound(
      relayEvent("look", { media: [{ url: "http://c/relay/media/x", kind: "image" }] }),
      d,
    );
    expect(seen[0]?.media[0]).toMatchObject({
      url: "http://c/relay/media/x",
      path: "/cache/x.png",
    });
  });
});
