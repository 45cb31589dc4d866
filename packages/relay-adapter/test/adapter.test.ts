import { describe, expect, it, vi } from "vitest";
import { RelayAdapter } from "../src/adapter/relay-adapter.js";
import { RELAY_DISABLED_MESSAGE, RelayDisabledError } from "../src/adapter/errors.js";
import { isUpstreamRelayEvent } from "../src/protocol/event.js";
import type { RelayMessageEvent } from "../src/protocol/event.js";
import type { AdapterFatalError } from "../src/adapter/platform-adapter.js";
import type {
  Descriptor,
  OutboundAction,
  OutboundResult,
  WireMessageEvent,
  WirePassthroughForward,
} from "../src/protocol/types.js";
import type {
  InboundHandler,
  InterruptHandler,
  PassthroughHandler,
  RelayTransport,
  RelayTransportState,
} from "../src/transport/types.js";
import { initialTransportState } from "../src/transport/types.js";

function descriptor(over: Partial<Descriptor> = {}): Descriptor {
  return {
    contract_version: 1,
    platform: "discord",
    label: "Discord",
    max_message_length: 2000,
    supports_draft_streaming: true,
    supports_edit: true,
    supports_threads: true,
    markdown_dialect: "discord",
    len_unit: "chars",
    emoji: "🔌",
    platform_hint: "",
    pii_safe: false,
    supports_context: false,
    supports_inchannel_continuable: false,
    supports_block_formatting: false,
    supported_ops: [],
    ...over,
  };
}

/** In-test fake implementing the RelayTransport contract. */
class FakeTransport implements RelayTransport {
  inbound: InboundHandler | null = null;
  interruptHandler: InterruptHandler | null = null;
  passthrough: PassthroughHandler | null = null;
  sent: OutboundAction[] = [];
  interrupts: [string, string | undefined][] = [];
  calls: string[] = [];
  revokedListeners: (() => void)[] = [];
  reply: (a: OutboundAction) => OutboundResult = () => ({ success: true, message_id: "m1" });
  connectResult: Descriptor | Error = descriptor();
  goIdleResult: boolean | Error = true;
  state: RelayTransportState = initialTransportState();
  setInboundHandler(h: InboundHandler) {
    this.calls.push("setInbound");
    this.inbound = h;
  }
  setInterruptHandler(h: InterruptHandler) {
    this.calls.push("setInterrupt");
    this.interruptHandler = h;
  }
  setPassthroughHandler(h: PassthroughHandler) {
    this.calls.push("setPassthrough");
    this.passthrough = h;
  }
  async connect() {
    this.calls.push("connect");
    if (this.connectResult instanceof Error) throw this.connectResult;
    this.state = {
      ...this.state,
      connected: true,
      dialCount: this.state.dialCount + 1,
      descriptor: this.connectResult,
    };
    return this.connectResult;
  }
  async sendOutbound(action: OutboundAction) {
    this.sent.push(action);
    return this.reply(action);
  }
  interrupt(sessionKey: string, reason?: string) {
    this.interrupts.push([sessionKey, reason]);
  }
  async goIdle(timeoutMs?: number) {
    this.calls.push(`goIdle:${timeoutMs}`);
    if (this.goIdleResult instanceof Error) throw this.goIdleResult;
    return this.goIdleResult;
  }
  async disconnect() {
    this.calls.push("disconnect");
    this.state = { ...this.state, connected: false };
  }
  onAuthRevoked(listener: () => void) {
    this.revokedListeners.push(listener);
  }
  revoke() {
    this.state = { ...this.state, authRevoked: true, connected: false };
    for (const l of this.revokedListeners) l();
  }
}

function wire(source: Partial<WireMessageEvent["source"]> = {}, text = "hello"): WireMessageEvent {
  return {
    text,
    source: { platform: "discord", chat_id: "C1", chat_type: "channel", user_id: "U1", ...source },
  };
}

async function connected(over: Partial<Descriptor> = {}) {
  const t = new FakeTransport();
  t.connectResult = descriptor(over);
  const adapter = new RelayAdapter({ transport: t, goIdleTimeoutMs: 50 });
  const events: RelayMessageEvent[] = [];
  adapter.setMessageHandler((e) => {
    events.push(e);
  });
  expect(await adapter.connect()).toBe(true);
  return { t, adapter, events };
}

describe("RelayAdapter capability surface", () => {
  it("declares upstream authorization and the relay platform", () => {
    const adapter = new RelayAdapter({ transport: new FakeTransport() });
    expect(adapter.authorizationIsUpstream).toBe(true);
    expect(adapter.platform).toBe("relay");
  });

  it("uses a placeholder before the handshake and adopts the negotiated descriptor after", async () => {
    const t = new FakeTransport();
    t.connectResult = descriptor({
      max_message_length: 4000,
      markdown_dialect: "markdown_v2",
      len_unit: "utf16",
    });
    const adapter = new RelayAdapter({ transport: t });
    expect(adapter.maxMessageLength).toBe(4096);
    expect(adapter.supportsCodeBlocks).toBe(false);
    await adapter.connect();
    expect(adapter.maxMessageLength).toBe(4000);
    expect(adapter.supportsCodeBlocks).toBe(true);
    expect(adapter.descriptor.platform).toBe("discord");
  });

  it("measures length in code points for chars and UTF-16 units for utf16", async () => {
    const chars = (await connected({ len_unit: "chars" })).adapter;
    const utf16 = (await connected({ len_unit: "utf16" })).adapter;
    const unknown = (await connected({ len_unit: "bytes" })).adapter;
    expect(chars.messageLength("a🔌b")).toBe(3);
    expect(utf16.messageLength("a🔌b")).toBe(4);
    expect(unknown.messageLength("a🔌b")).toBe(3);
    // A lone surrogate counts as one code point.
    expect(chars.messageLength("\ud83d")).toBe(1);
  });

  it("derives code-block support from the markdown dialect and draft streaming from the flag", async () => {
    expect((await connected({ markdown_dialect: "plain" })).adapter.supportsCodeBlocks).toBe(false);
    expect((await connected({ markdown_dialect: "" })).adapter.supportsCodeBlocks).toBe(false);
    expect((await connected({ markdown_dialect: "discord" })).adapter.supportsCodeBlocks).toBe(
      true,
    );
    expect(
      (await connected({ supports_draft_streaming: false })).adapter.supportsDraftStreaming(),
    ).toBe(false);
    expect(
      (await connected({ supports_draft_streaming: true })).adapter.supportsDraftStreaming("group"),
    ).toBe(true);
  });
});

describe("RelayAdapter connect", () => {
  it("wires every handler before the handshake", async () => {
    const { t } = await connected();
    expect(t.calls.slice(0, 4)).toEqual([
      "setInbound",
      "setInterrupt",
      "setPassthrough",
      "connect",
    ]);
  });

  it("resolves false (never rejects) when the handshake fails", async () => {
    const t = new FakeTransport();
    t.connectResult = new Error("connector unreachable");
    const adapter = new RelayAdapter({ transport: t });
    await expect(adapter.connect()).resolves.toBe(false);
    expect(adapter.fatalError).toBeNull();
  });
});

describe("RelayAdapter inbound", () => {
  it("delivers inbound events stamped with the upstream marker; copies are not trusted", async () => {
    const { t, events } = await connected();
    await t.inbound!(wire({}, "hi there"), {});
    expect(events).toHaveLength(1);
    expect(events[0]!.text).toBe("hi there");
    expect(events[0]!.source.chat_id).toBe("C1");
    expect(isUpstreamRelayEvent(events[0])).toBe(true);
    expect(isUpstreamRelayEvent({ ...events[0]! })).toBe(false);
    expect(isUpstreamRelayEvent({ ...wire(), upstream: true })).toBe(false);
  });

  it("propagates a host failure so the transport does not ack the item", async () => {
    const { t, adapter } = await connected();
    adapter.setMessageHandler(() => {
      throw new Error("host busy");
    });
    expect(() => t.inbound!(wire(), { bufferId: "b1" })).toThrow("host busy");
    adapter.setMessageHandler(async () => {
      throw new Error("host busy later");
    });
    await expect(t.inbound!(wire(), { bufferId: "b2" })).rejects.toThrow("host busy later");
  });

  it("bridges connector interrupts to the host", async () => {
    const { t, adapter } = await connected();
    const seen: [string, string][] = [];
    adapter.setInterruptHandler((k, c) => {
      seen.push([k, c]);
    });
    await t.interruptHandler!("agent:main:discord:channel:C1:U1", "C1");
    expect(seen).toEqual([["agent:main:discord:channel:C1:U1", "C1"]]);
  });

  it("turns a Discord interaction passthrough into a message event", async () => {
    const { t, events } = await connected();
    const body = {
      id: "i1",
      type: 2,
      guild_id: "G7",
      channel_id: "C9",
      member: { user: { id: "U3" } },
      data: { name: "ask" },
    };
    const fwd: WirePassthroughForward = {
      platform: "discord",
      botId: "b",
      method: "POST",
      path: "/interactions",
      headers: [],
      bodyB64: Buffer.from(JSON.stringify(body)).toString("base64"),
    };
    await t.passthrough!(fwd, {});
    expect(events).toHaveLength(1);
    expect(events[0]!.text).toBe("/ask");
    expect(events[0]!.messageType).toBe("command");
    expect(events[0]!.source.chat_type).toBe("group");
    expect(isUpstreamRelayEvent(events[0])).toBe(true);
  });

  it("remembers an interaction's guild for the reply", async () => {
    const { t, adapter } = await connected();
    const body = {
      type: 3,
      guild_id: "G7",
      channel_id: "C9",
      member: { user: { id: "U3" } },
      data: { custom_id: "b" },
    };
    const bodyB64 = Buffer.from(JSON.stringify(body)).toString("base64");
    await t.passthrough!(
      { platform: "discord", botId: "b", method: "POST", path: "/", headers: [], bodyB64 },
      {},
    );
    await adapter.send("C9", "x");
    expect(t.sent[0]?.["metadata"]).toEqual({ guild_id: "G7", scope_id: "G7", user_id: "U3" });
  });

  it("drops a malformed or non-Discord passthrough without throwing; the host's throw goes back to the transport (a buffered forward is then not acked)", async () => {
    const warn = vi.fn();
    const t = new FakeTransport();
    const adapter = new RelayAdapter({ transport: t, logger: { warn, info: warn } });
    adapter.setMessageHandler(() => {
      throw new Error("host exploded");
    });
    await adapter.connect();
    const base = { botId: "b", method: "POST", path: "/", headers: [] as [string, string][] };
    expect(t.passthrough!({ ...base, platform: "discord", bodyB64: "%%%" }, {})).toBeUndefined();
    expect(t.passthrough!({ ...base, platform: "twilio", bodyB64: "" }, {})).toBeUndefined();
    expect(t.passthrough!(null as unknown as WirePassthroughForward, {})).toBeUndefined();
    expect(warn).toHaveBeenCalled();
    // Readable, but the host did not take it (e.g. draining): the transport must not ack it.
    const good = Buffer.from('{"type":2,"channel_id":"c","data":{"name":"x"}}').toString("base64");
    expect(() =>
      t.passthrough!({ ...base, platform: "discord", bodyB64: good }, { bufferId: "buf-9" }),
    ).toThrow("host exploded");
  });
});

describe("RelayAdapter log budget", () => {
  it("logs 10 unreadable events, then counts the rest once disconnect() is done", async () => {
    const lines: string[] = [];
    const t = new FakeTransport();
    const adapter = new RelayAdapter({
      transport: t,
      goIdleTimeoutMs: 10,
      logger: { warn: (m: string) => lines.push(m), info: () => undefined },
    });
    adapter.setMessageHandler(() => undefined);
    await adapter.connect();
    for (let i = 0; i < 25; i++) t.inbound!({ text: "x" } as unknown as WireMessageEvent, {});
    expect(lines.filter((l) => l.startsWith("relay inbound dropped"))).toHaveLength(10);
    expect(lines.some((l) => l.includes("not logged one by one"))).toBe(false);
    await adapter.disconnect();
    expect(lines.filter((l) => l.includes("not logged one by one"))).toEqual([
      expect.stringMatching(/^15 more lines like these within 10 s not logged one by one/),
    ]);
  });
});

describe("RelayAdapter outbound", () => {
  it("sends and maps the result", async () => {
    const { t, adapter } = await connected();
    const r = await adapter.send("C1", "hello", { replyTo: "m0" });
    expect(r).toMatchObject({ success: true, messageId: "m1" });
    expect(t.sent[0]).toEqual({
      op: "send",
      chat_id: "C1",
      content: "hello",
      reply_to: "m0",
      metadata: {},
    });
  });

  it("re-attaches the scope learned inbound as guild_id and scope_id when absent", async () => {
    const { t, adapter } = await connected();
    await t.inbound!(wire({ chat_id: "C1", guild_id: "G1" }), {});
    await t.inbound!(wire({ chat_id: "C2", scope_id: "S2" }), {});
    await adapter.send("C1", "a");
    await adapter.send("C2", "b", { metadata: { guild_id: "explicit", thread_id: "t" } });
    await adapter.send("DM1", "c");
    await adapter.sendAction("edit", { chat_id: "C1", message_id: "m", content: "e" });
    // The author's user_id rides along too (the connector's fallback when a guild has no route row).
    expect(t.sent.map((a) => a["metadata"])).toEqual([
      { guild_id: "G1", scope_id: "G1", user_id: "U1" },
      { guild_id: "explicit", scope_id: "S2", thread_id: "t", user_id: "U1" },
      {},
      { guild_id: "G1", scope_id: "G1", user_id: "U1" },
    ]);
  });

  it("drops an event without a usable source (resolving, so a buffered one is acked) and keeps serving", async () => {
    const { t, events } = await connected();
    expect(
      t.inbound!({ text: "x", source: null } as unknown as WireMessageEvent, {}),
    ).toBeUndefined();
    await t.inbound!({ text: "x", source: { chat_id: "C1" } } as unknown as WireMessageEvent, {});
    expect(events).toHaveLength(0);
    await t.inbound!(wire({}, "after"), {});
    expect(events.map((e) => e.text)).toEqual(["after"]);
  });

  it("sends a token-less follow-up naming the session and capability kind", async () => {
    const { t, adapter } = await connected();
    const r = await adapter.sendFollowUp(
      "agent:main:discord:channel:C1:U1",
      "discord.interaction_token",
      "done",
    );
    expect(r.success).toBe(true);
    expect(t.sent[0]).toEqual({
      op: "follow_up",
      session_key: "agent:main:discord:channel:C1:U1",
      kind: "discord.interaction_token",
      content: "done",
      metadata: {},
    });
  });

  it("passes failure shapes through, including ambiguous timeouts", async () => {
    const { t, adapter } = await connected();
    t.reply = () => ({ success: false, error: "relay outbound timed out", ambiguous: true });
    expect(await adapter.send("C1", "x")).toMatchObject({
      success: false,
      error: "relay outbound timed out",
      ambiguous: true,
    });
  });

  it("gates ops by the descriptor: legacy connectors get send/edit/typing/follow_up only", async () => {
    const { t, adapter } = await connected({ supported_ops: [] });
    expect((await adapter.sendAction("typing", { chat_id: "C1" })).success).toBe(true);
    const r = await adapter.sendAction("react", { chat_id: "C1", message_id: "m", emoji: "👍" });
    expect(r).toMatchObject({ success: false, unsupported: true });
    expect(t.sent.map((a) => a.op)).toEqual(["typing"]);
  });

  it("allows only advertised ops on a modern connector", async () => {
    const { t, adapter } = await connected({ supported_ops: ["send", "react"] });
    expect(
      (await adapter.sendAction("react", { chat_id: "C1", message_id: "m", emoji: "👍" })).success,
    ).toBe(true);
    expect((await adapter.sendAction("edit", { chat_id: "C1" })).unsupported).toBe(true);
    expect((await adapter.sendFollowUp("k", "discord.interaction_token", "x")).success).toBe(false);
    expect(t.sent.map((a) => a.op)).toEqual(["react"]);
  });

  it("proxies get_chat_info when advertised (both result shapes) and falls back otherwise", async () => {
    const legacy = await connected();
    expect(await legacy.adapter.getChatInfo("C1")).toEqual({ name: "C1", type: "dm" });
    expect(legacy.t.sent).toHaveLength(0);
    const modern = await connected({ supported_ops: ["send", "get_chat_info"] });
    modern.t.reply = () => ({ chat_info: { name: "general", type: "channel" } });
    expect(await modern.adapter.getChatInfo("C1")).toEqual({ name: "general", type: "channel" });
    modern.t.reply = () => ({ name: "random", type: "group" });
    expect(await modern.adapter.getChatInfo("C2")).toMatchObject({ name: "random", type: "group" });
    modern.t.reply = () => ({ success: false, error: "relay transport connection lost" });
    expect(await modern.adapter.getChatInfo("C3")).toEqual({ name: "C3", type: "dm" });
    expect(modern.t.sent[0]).toEqual({ op: "get_chat_info", chat_id: "C1" });
  });

  it("forwards the gateway's own /stop to the connector", async () => {
    const { t, adapter } = await connected();
    adapter.interruptSession("k1", "stop");
    expect(t.interrupts).toEqual([["k1", "stop"]]);
  });
});

describe("RelayAdapter revocation monitor", () => {
  it("turns authRevoked into a non-retryable relay_disabled fatal error, once", async () => {
    const { t, adapter } = await connected();
    const fatals: AdapterFatalError[] = [];
    adapter.setFatalErrorHandler((e) => {
      fatals.push(e);
    });
    t.revoke();
    t.revoke();
    expect(fatals).toHaveLength(1);
    expect(fatals[0]).toBeInstanceOf(RelayDisabledError);
    expect(fatals[0]).toMatchObject({
      code: "relay_disabled",
      retryable: false,
      message: RELAY_DISABLED_MESSAGE,
    });
    expect(RELAY_DISABLED_MESSAGE).toBe(
      "Relay disabled (opted out — recreate the instance to re-enable)",
    );
    expect(adapter.fatalError?.code).toBe("relay_disabled");
  });

  it("reports a revocation latched during a failed connect", async () => {
    const t = new FakeTransport();
    t.connectResult = new Error("4401");
    t.state = { ...t.state, authRevoked: true };
    const adapter = new RelayAdapter({ transport: t });
    const fatals: AdapterFatalError[] = [];
    adapter.setFatalErrorHandler((e) => {
      fatals.push(e);
    });
    expect(await adapter.connect()).toBe(false);
    expect(fatals.map((f) => f.code)).toEqual(["relay_disabled"]);
  });

  it("survives a fatal handler that throws or rejects", async () => {
    const { t, adapter } = await connected();
    adapter.setFatalErrorHandler(() => {
      throw new Error("dashboard down");
    });
    expect(() => t.revoke()).not.toThrow();
    const b = await connected();
    b.adapter.setFatalErrorHandler(() => Promise.reject(new Error("nope")));
    expect(() => b.t.revoke()).not.toThrow();
    expect(adapter.fatalError?.code).toBe("relay_disabled");
  });

  it("is stopped by disconnect(): a revocation during teardown raises nothing", async () => {
    const { t, adapter } = await connected();
    const fatals: AdapterFatalError[] = [];
    adapter.setFatalErrorHandler((e) => {
      fatals.push(e);
    });
    await adapter.disconnect();
    t.revoke();
    expect(fatals).toHaveLength(0);
  });
});

describe("RelayAdapter disconnect", () => {
  it("sends going_idle before closing", async () => {
    const { t, adapter } = await connected();
    await adapter.disconnect();
    expect(t.calls.slice(-2)).toEqual(["goIdle:50", "disconnect"]);
  });

  it("still closes when going_idle fails or is not acked", async () => {
    for (const result of [new Error("socket gone"), false]) {
      const { t, adapter } = await connected();
      t.goIdleResult = result;
      await expect(adapter.disconnect()).resolves.toBeUndefined();
      expect(t.calls.at(-1)).toBe("disconnect");
    }
  });

  it("goIdle() reports the ack, and a later disconnect() does not ask again, acked or not", async () => {
    const { t, adapter } = await connected();
    expect(await adapter.goIdle(20)).toBe(true);
    await adapter.disconnect();
    expect(t.calls.filter((c) => c.startsWith("goIdle"))).toEqual(["goIdle:20"]);
    // No ack: one going_idle and one wait in all, not two (the bug was 20 s instead of 10 s).
    const other = await connected();
    other.t.goIdleResult = false;
    expect(await other.adapter.goIdle()).toBe(false);
    await other.adapter.disconnect();
    expect(other.t.calls.filter((c) => c.startsWith("goIdle"))).toEqual(["goIdle:50"]);
    expect(other.t.calls.at(-1)).toBe("disconnect");
  });

  it("spends at most half of a disconnect budget on going_idle and hands the rest to the transport", async () => {
    const t = new FakeTransport();
    const adapter = new RelayAdapter({ transport: t, goIdleTimeoutMs: 10_000 });
    await adapter.connect();
    let handed: unknown;
    t.disconnect = async (opts?: { budgetMs?: number }) => {
      handed = opts;
      t.calls.push("disconnect");
    };
    await adapter.disconnect({ budgetMs: 3_000 });
    expect(t.calls.filter((c) => c.startsWith("goIdle"))).toEqual(["goIdle:1500"]);
    expect((handed as { budgetMs: number }).budgetMs).toBeGreaterThan(0);
    expect((handed as { budgetMs: number }).budgetMs).toBeLessThanOrEqual(3_000);
  });

  it("skips going_idle when the link is already down", async () => {
    const { t, adapter } = await connected();
    t.state = { ...t.state, connected: false };
    await adapter.disconnect();
    expect(t.calls.some((c) => c.startsWith("goIdle"))).toBe(false);
    expect(t.calls.at(-1)).toBe("disconnect");
  });
});
