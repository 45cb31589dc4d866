// StubTransport on its own: the in-memory RelayTransport double.
import { describe, expect, it } from "vitest";
import type { OutboundAction } from "../src/protocol/types.js";
import { StubTransport } from "../src/testing/index.js";

const event = { text: "hi", source: { platform: "stub", chat_id: "c1", chat_type: "dm" } };

describe("StubTransport", () => {
  it("connect() resolves with the configured descriptor, normalized and completed", async () => {
    const t = new StubTransport({
      descriptor: { platform: "telegram", len_unit: "utf16", max_message_length: -3 },
    });
    expect(t.state).toMatchObject({ connected: false, dialCount: 0, descriptor: null });
    const d = await t.connect();
    expect(d).toMatchObject({
      platform: "telegram",
      len_unit: "utf16",
      max_message_length: 4096,
      supported_ops: [],
      emoji: "🔌",
    });
    expect(t.state).toMatchObject({ connected: true, dialCount: 1, descriptor: d });
    expect((await new StubTransport().connect()).platform).toBe("stub");
  });

  it("records outbound actions and answers them by default or through `respond`; nothing is sent before connect", async () => {
    const plain = new StubTransport();
    expect(await plain.sendOutbound({ op: "send", chat_id: "c1", content: "early" })).toEqual({
      success: false,
      error: "relay transport not connected",
    });
    expect(plain.sent).toEqual([]);
    await plain.connect();
    expect(await plain.sendOutbound({ op: "send", chat_id: "c1", content: "a" })).toEqual({
      success: true,
      message_id: "stub-1",
    });
    expect(
      await plain.sendOutbound(
        { op: "send", chat_id: "c1", content: "b" },
        { platform: "discord", timeoutMs: 5 },
      ),
    ).toEqual({ success: true, message_id: "stub-2" });
    expect(plain.sent).toEqual([
      { action: { op: "send", chat_id: "c1", content: "a" }, opts: {} },
      {
        action: { op: "send", chat_id: "c1", content: "b" },
        opts: { platform: "discord", timeoutMs: 5 },
      },
    ]);

    const seen: OutboundAction[] = [];
    const scripted = new StubTransport({
      respond: async (action) => {
        seen.push(action);
        return action.op === "edit"
          ? { success: false, error: "gone" }
          : { success: false, error: "relay outbound timed out", ambiguous: true };
      },
    });
    await scripted.connect();
    expect(
      await scripted.sendOutbound({ op: "edit", chat_id: "c", message_id: "m", content: "x" }),
    ).toEqual({ success: false, error: "gone" });
    expect(await scripted.sendOutbound({ op: "typing", chat_id: "c" })).toMatchObject({
      ambiguous: true,
    });
    expect(seen.map((a) => a.op)).toEqual(["edit", "typing"]);
  });

  it("records interrupts, goIdle and disconnect in call order", async () => {
    const t = new StubTransport({ idleAck: false });
    expect(await t.goIdle()).toBe(false); // not connected
    await t.connect();
    t.interrupt("agent:main:stub:dm:c1", "stop");
    t.interrupt("agent:main:stub:dm:c2");
    expect(await t.goIdle()).toBe(false); // idleAck: false
    await t.disconnect();
    expect(t.interrupts).toEqual([
      { sessionKey: "agent:main:stub:dm:c1", reason: "stop" },
      { sessionKey: "agent:main:stub:dm:c2", reason: undefined },
    ]);
    expect(t.calls).toEqual(["goIdle", "connect", "goIdle", "disconnect"]);
    expect(t.state).toMatchObject({ connected: false, lastCloseCode: 1000 });
    const acking = new StubTransport();
    await acking.connect();
    expect(await acking.goIdle()).toBe(true);
  });

  it("push* call the registered handlers with their metadata and resolve only when the handler is done", async () => {
    const t = new StubTransport();
    await t.pushInbound(event); // no handler yet: a no-op, not an error
    const log: string[] = [];
    t.setInboundHandler(async (e, meta) => {
      await new Promise((r) => setTimeout(r, 5));
      log.push(`inbound ${e.text} ${meta.bufferId ?? "live"}`);
    });
    t.setInterruptHandler(async (key, chat) => {
      await Promise.resolve();
      log.push(`interrupt ${key} ${chat}`);
    });
    t.setPassthroughHandler((f, meta) => {
      log.push(`passthrough ${f.path} ${meta.bufferId ?? "live"}`);
    });
    await t.pushInbound(event);
    expect(log).toEqual(["inbound hi live"]);
    await t.pushInbound(event, { bufferId: "b-7" });
    await t.pushInterrupt("k", "c1");
    await t.pushPassthrough(
      { platform: "discord", botId: "b", method: "POST", path: "/i", headers: [], bodyB64: "" },
      { bufferId: "b-8" },
    );
    expect(log).toEqual([
      "inbound hi live",
      "inbound hi b-7",
      "interrupt k c1",
      "passthrough /i b-8",
    ]);
    t.setInboundHandler(() => {
      throw new Error("handler failed");
    });
    await expect(t.pushInbound(event)).rejects.toThrow("handler failed");
  });

  it("revoke() latches authRevoked, notifies every listener exactly once, and refuses later connects", async () => {
    const t = new StubTransport();
    await t.connect();
    let a = 0;
    let b = 0;
    t.onAuthRevoked(() => a++);
    t.onAuthRevoked(() => b++);
    t.revoke();
    t.revoke();
    expect([a, b]).toEqual([1, 1]);
    expect(t.state).toMatchObject({
      authRevoked: true,
      connected: false,
      lastCloseCode: 4401,
      lastCloseReason: "unauthorized",
    });
    await expect(t.connect()).rejects.toThrow("revoked");
    expect(await t.sendOutbound({ op: "send", chat_id: "c", content: "x" })).toMatchObject({
      success: false,
    });
  });

  it("state is a snapshot, not a live handle", async () => {
    const t = new StubTransport();
    const before = t.state;
    await t.connect();
    expect(before.connected).toBe(false);
    expect(t.state.connected).toBe(true);
  });
});
