import { describe, expect, it } from "vitest";
import { echoAgent } from "../agent/echo.js";
import { AgentError, type AgentBackend } from "../agent/types.js";
import { TurnScheduler } from "../turns/scheduler.js";
import { handleInbound, type InboundDeps } from "./handle-inbound.js";

const ev = (text: string, chat = "c1") => ({ text, source: { platform: "discord", chat_id: chat, chat_type: "dm", user_id: "u" } });

function deps(over: Partial<InboundDeps> = {}) {
  const sent: string[] = [];
  const d: InboundDeps = {
    agent: echoAgent(),
    scheduler: new TurnScheduler(),
    authorize: () => ({ ok: true, via: "allowlist" }),
    sessionKey: (e) => (e as ReturnType<typeof ev>).source.chat_id,
    limits: () => ({ maxMessageLength: 5, lenUnit: "utf16" }),
    send: async (_e, t) => void sent.push(t),
    ...over,
  };
  return { d, sent };
}

describe("handleInbound", () => {
  it("runs the agent and sends the reply split to the descriptor's length, in order", async () => {
    const { d, sent } = deps();
    expect(await handleInbound(ev("abcd efgh🔌"), d)).toEqual({ kind: "replied", chunks: 3 });
    expect(sent).toEqual(["abcd ", "efgh", "🔌"]);
  });

  it("a denied event never reaches the agent", async () => {
    let ran = false;
    const agent: AgentBackend = { name: "spy", runTurn: async () => ((ran = true), "x") };
    const { d, sent } = deps({ agent, authorize: () => ({ ok: false, reason: "no allowlist" }) });
    expect(await handleInbound(ev("hi"), d)).toEqual({ kind: "denied", reason: "no allowlist" });
    expect(ran).toBe(false);
    expect(sent).toEqual([]);
  });

  it("agent failures and draining are typed outcomes; empty replies send nothing", async () => {
    const failing: AgentBackend = { name: "f", runTurn: async () => Promise.reject(new AgentError("AGENT_TIMEOUT", "slow")) };
    expect(await handleInbound(ev("hi"), deps({ agent: failing }).d)).toMatchObject({ kind: "failed", code: "AGENT_TIMEOUT" });
    const { d, sent } = deps();
    expect(await handleInbound(ev("  "), d)).toEqual({ kind: "empty" });
    expect(sent).toEqual([]);
    void d.scheduler.drain(0);
    expect(await handleInbound(ev("hi"), d)).toEqual({ kind: "draining" });
  });
});
