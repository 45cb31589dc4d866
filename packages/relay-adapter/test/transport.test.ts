// WebSocketRelayTransport against a scripted raw connector over loopback: the wire-level
// rules of docs/contract/relay.md (tokens, hellos, framing, request/response, idle, acks, keepalive,
// reconnect, 4401 semantics, bounded disconnect).
import { verifyToken } from "@hermes/relay-crypto";
import { eventually } from "@hermes/vitest-config/eventually";
import { afterEach, describe, expect, it } from "vitest";
import type { WireMessageEvent } from "../src/protocol/types.js";
import type { RawConnection } from "./support/raw-connector.js";
import { runCleanups, SECRET, setupLink } from "./support/transport-setup.js";

afterEach(runCleanups);
const setup = setupLink;

const event = (text: string): WireMessageEvent => ({
  text,
  source: { platform: "discord", chat_id: "C1", chat_type: "dm", user_id: "U1" },
});

describe("dial and handshake", () => {
  it("mints a fresh upgrade token for every dial and sends one hello per identity", async () => {
    let clock = Date.now();
    const { connector, transport } = await setup({
      identities: [
        { platform: "discord", botId: "bot-1", commandManifest: [{ name: "ask" }] },
        { platform: "telegram", botId: "bot-2" },
      ],
      now: () => (clock += 1000), // a second later at every dial
    });
    connector.secrets = [SECRET];
    const d = await transport.connect();
    expect(d.platform).toBe("discord");
    const first = await connector.connection(0);
    await eventually(
      () => first.frames.filter((f) => f["type"] === "hello").length === 2,
      "two hellos",
    );
    expect(first.frames.filter((f) => f["type"] === "hello")).toEqual([
      { type: "hello", platform: "discord", botId: "bot-1", command_manifest: [{ name: "ask" }] },
      { type: "hello", platform: "telegram", botId: "bot-2" },
    ]);
    first.ws.close(1012, "restart");
    const second = await connector.connection(1);
    expect(second.gatewayId).toBe("gw-test");
    expect(second.authorization).not.toBe(first.authorization);
    expect(verifyToken(first.authorization!.slice(7), [SECRET])).toBe("gw-test");
    await eventually(
      () => transport.state.connected && transport.state.dialCount === 2,
      "re-handshake",
    );
  });

  it("sends no Authorization header without a usable secret", async () => {
    const { connector, transport } = await setup({ secret: "   " });
    await transport.connect();
    expect((await connector.connection(0)).authorization).toBeUndefined();
  });

  it("resolves the handshake with the first descriptor; later ones never overwrite it", async () => {
    const { connector, transport } = await setup();
    connector.onConnection = (c) => {
      c.send(
        JSON.stringify({
          type: "descriptor",
          descriptor: { platform: "discord", max_message_length: 2000, secret_key: "x" },
        }) +
          "\n" +
          JSON.stringify({
            type: "descriptor",
            descriptor: { platform: "telegram", len_unit: "utf16" },
          }) +
          "\n",
      );
    };
    const d = await transport.connect();
    expect(d).toMatchObject({ platform: "discord", max_message_length: 2000 });
    expect(d).not.toHaveProperty("secret_key");
    await eventually(() => transport.descriptorFor("telegram") !== undefined, "second descriptor");
    expect(transport.state.descriptor?.platform).toBe("discord");
    expect(transport.descriptorFor("telegram")?.len_unit).toBe("utf16");
  });

  it("reassembles frames split across messages and skips malformed lines without dying", async () => {
    const { connector, transport, lines } = await setup();
    const got: string[] = [];
    const wires: (string | undefined)[] = [];
    transport.setInboundHandler((e, meta) => {
      got.push(e.text);
      wires.push(meta.wire);
    });
    // Spaces and a key order of the connector's own: the handler gets the text exactly as sent.
    const one = ` {"event": ${JSON.stringify(event("one"))}, "type":"inbound"}`;
    const two = JSON.stringify({ type: "inbound", event: event("two") });
    connector.onConnection = (c) => {
      const wire =
        JSON.stringify({ type: "descriptor", descriptor: { platform: "discord" } }) +
        "\nthis is not json\n[1]\n" +
        one +
        "\n" +
        JSON.stringify({ type: "future_frame", x: 1 }) +
        "\n" +
        two +
        "\n";
      // Cut the stream at awkward places, including inside a multi-line message.
      for (const piece of [wire.slice(0, 7), wire.slice(7, 60), wire.slice(60, 61), wire.slice(61)])
        c.send(piece);
    };
    await transport.connect();
    await eventually(() => got.length === 2, "two inbound events");
    expect(got).toEqual(["one", "two"]);
    expect(wires).toEqual([one, two]);
    // Two malformed lines, told as they were split across messages: one line each, or one line for both.
    const skipped = lines
      .filter((l) => l.level === "warn" && /^relay frames? skipped/.test(l.message))
      .map((l) => l.message);
    const told = skipped.reduce(
      (n, l) => n + Number(/^relay frames skipped: (\d+) malformed lines/.exec(l)?.[1] ?? 1),
      0,
    );
    expect(told, skipped.join("\n")).toBe(2);
    expect(skipped.join("\n")).not.toContain("this is not json");
    expect(transport.state.connected).toBe(true);
  });

  it("decodes a big multibyte frame sent in 16 KiB messages, characters split across them", async () => {
    const { connector, transport, logs } = await setup();
    const got: string[] = [];
    transport.setInboundHandler((e) => {
      got.push(e.text);
    });
    // ~1.5 MiB of UTF-8: 2-, 3- and 4-byte characters, so blind 16 KiB cuts split many of them.
    const big = "é✓😀 ".repeat(140_000);
    const descriptor = JSON.stringify({ type: "descriptor", descriptor: { platform: "discord" } });
    const bytes = Buffer.from(
      `${descriptor}\n${JSON.stringify({ type: "inbound", event: event(big) })}\n`,
    );
    connector.onConnection = (c) => {
      // Binary messages: a text message must hold whole characters (ws closes 1007 otherwise).
      for (let i = 0; i < bytes.length; i += 16 * 1024)
        c.ws.send(bytes.subarray(i, i + 16 * 1024), { binary: true });
      // Then the same event as text messages, each cut at a character boundary.
      const text = `${JSON.stringify({ type: "inbound", event: event(`${big}!`) })}\n`;
      for (let i = 0, end = 0; i < text.length; i = end) {
        end = Math.min(text.length, i + 16 * 1024);
        if (/[\uD800-\uDBFF]/.test(text[end - 1]!)) end++; // keep a surrogate pair together
        c.send(text.slice(i, end));
      }
    };
    await transport.connect();
    await eventually(() => got.length === 2, "two big inbound events", { timeoutMs: 30_000 });
    expect(got[0] === big, "first event text intact").toBe(true);
    expect(got[1] === `${big}!`, "second event text intact").toBe(true);
    expect(logs.filter((l) => l.startsWith("relay frame skipped"))).toEqual([]);
  });

  it("fails a dial without a descriptor within the handshake timeout, and retries", async () => {
    const { connector, transport } = await setup({ handshakeTimeoutMs: 100 });
    let n = 0;
    connector.onConnection = (c) => {
      if (n++ > 0)
        void c
          .next("hello")
          .then(() => c.sendFrame({ type: "descriptor", descriptor: { platform: "discord" } }));
    };
    await transport.connect();
    expect(transport.state.dialCount).toBe(2);
  });

  it("rejects connect() with RELAY_DIAL_FAILED when reconnect is off and nothing listens", async () => {
    const { connector, transport } = await setup({ reconnect: false });
    await connector.stop();
    await expect(transport.connect()).rejects.toMatchObject({ code: "RELAY_DIAL_FAILED" });
    expect(transport.state.dialCount).toBe(1);
  });
});

describe("outbound request/response", () => {
  it("is not connected before the handshake and answers by requestId", async () => {
    const { connector, transport } = await setup();
    expect(transport.linkReady).toBe(false);
    expect(await transport.sendOutbound({ op: "send", chat_id: "c", content: "x" })).toEqual({
      success: false,
      error: "relay transport not connected",
    });
    await transport.connect();
    expect(transport.linkReady).toBe(true);
    const conn = await connector.connection(0);
    const a = transport.sendOutbound(
      { op: "send", chat_id: "c", content: "a" },
      { platform: "discord", botId: "bot-1" },
    );
    const b = transport.sendOutbound({ op: "send", chat_id: "c", content: "b" });
    const fa = await conn.next("outbound");
    const fb = await conn.next("outbound");
    expect(fa).toMatchObject({
      platform: "discord",
      botId: "bot-1",
      action: { op: "send", content: "a" },
    });
    // Answer out of order: each promise gets its own answer.
    conn.sendFrame({
      type: "outbound_result",
      requestId: fb["requestId"],
      result: { success: true, message_id: "mb" },
    });
    conn.sendFrame({
      type: "outbound_result",
      requestId: fa["requestId"],
      result: { success: true, message_id: "ma" },
    });
    expect(await a).toEqual({ success: true, message_id: "ma" });
    expect(await b).toEqual({ success: true, message_id: "mb" });
  });

  it("reports an unanswered request as an ambiguous timeout", async () => {
    const { transport } = await setup({ outboundTimeoutMs: 50 });
    await transport.connect();
    expect(await transport.sendOutbound({ op: "send", chat_id: "c", content: "x" })).toEqual({
      success: false,
      error: "relay outbound timed out",
      ambiguous: true,
    });
  });

  it("settles every pending request the moment the connection is lost", async () => {
    const { connector, transport } = await setup({ outboundTimeoutMs: 60_000 });
    await transport.connect();
    const conn = await connector.connection(0);
    const pending = [1, 2, 3].map((i) =>
      transport.sendOutbound({ op: "send", chat_id: "c", content: String(i) }),
    );
    await conn.next("outbound");
    conn.ws.terminate();
    for (const r of await Promise.all(pending))
      expect(r).toEqual({ success: false, error: "relay transport connection lost" });
    expect(transport.linkReady).toBe(false);
  });

  it("answers closed after disconnect", async () => {
    const { transport } = await setup();
    await transport.connect();
    await transport.disconnect();
    expect(transport.linkReady).toBe(false);
    expect(await transport.sendOutbound({ op: "send" })).toEqual({
      success: false,
      error: "relay transport closed",
    });
  });
});

describe("interrupt, going_idle and acks", () => {
  it("sends the gateway's own interrupt", async () => {
    const { connector, transport } = await setup();
    await transport.connect();
    transport.interrupt("agent:main:discord:dm:C1", "stop");
    expect(await (await connector.connection(0)).next("interrupt")).toEqual({
      type: "interrupt",
      session_key: "agent:main:discord:dm:C1",
      reason: "stop",
    });
  });

  it("keeps serving until going_idle_ack: an inbound in the flip window is delivered", async () => {
    const { connector, transport } = await setup();
    const got: string[] = [];
    transport.setInboundHandler((e) => {
      got.push(e.text);
    });
    await transport.connect();
    const conn = await connector.connection(0);
    const idle = transport.goIdle(5_000);
    await conn.next("going_idle");
    conn.sendFrame({ type: "inbound", event: event("in the window") });
    conn.sendFrame({ type: "going_idle_ack" });
    expect(await idle).toBe(true);
    expect(got).toEqual(["in the window"]);
  });

  it("gives up waiting for the ack after the timeout", async () => {
    const { transport } = await setup();
    await transport.connect();
    expect(await transport.goIdle(50)).toBe(false);
  });

  it("acks a buffered item only after its handler finished, never a live one, never a failed one", async () => {
    const { connector, transport } = await setup();
    const order: string[] = [];
    transport.setInboundHandler(async (e, meta) => {
      await new Promise((r) => setTimeout(r, 20));
      if (e.text === "fail") throw new Error("host refused");
      order.push(`handled ${e.text} ${meta.bufferId ?? "live"}`);
    });
    transport.setPassthroughHandler((f, meta) => {
      order.push(`forward ${f.path} ${meta.bufferId}`);
    });
    await transport.connect();
    const conn = await connector.connection(0);
    conn.ws.on("message", (d) => {
      for (const line of d.toString().split("\n"))
        if (line.includes("inbound_ack")) order.push(`ack ${JSON.parse(line).bufferId}`);
    });
    conn.sendFrame({ type: "inbound", event: event("a"), bufferId: "b1" });
    conn.sendFrame({ type: "inbound", event: event("live") });
    conn.sendFrame({ type: "inbound", event: event("fail"), bufferId: "b2" });
    conn.sendFrame({
      type: "passthrough_forward",
      forward: { platform: "x", botId: "b", method: "POST", path: "/p", headers: [], bodyB64: "" },
      bufferId: "b3",
    });
    await eventually(() => order.includes("ack b3"), "ack of the forward");
    expect(order).toEqual([
      "handled a b1",
      "ack b1",
      "handled live live",
      "forward /p b3",
      "ack b3",
    ]);
  });

  it("calls the interrupt handler for interrupt_inbound", async () => {
    const { connector, transport } = await setup();
    const got: [string, string][] = [];
    transport.setInterruptHandler((k, c) => {
      got.push([k, c]);
    });
    await transport.connect();
    (await connector.connection(0)).sendFrame({
      type: "interrupt_inbound",
      session_key: "k1",
      chat_id: "C1",
    });
    await eventually(() => got.length === 1, "interrupt");
    expect(got).toEqual([["k1", "C1"]]);
  });
});

describe("keepalive, reconnect and disconnect", () => {
  it("declares a link dead without pongs and re-dials", async () => {
    const { connector, transport } = await setup({ pingIntervalMs: 20, pongTimeoutMs: 100 });
    await transport.connect();
    const first = await connector.connection(0);
    first.stopAnsweringPings();
    await connector.connection(1);
    await eventually(() => transport.state.connected && transport.state.dialCount === 2, "re-dial");
    expect(transport.state.lastCloseReason).toBe("keepalive timeout");
  });

  it("never re-dials after disconnect()", async () => {
    const { connector, transport } = await setup();
    await transport.connect();
    await transport.disconnect();
    await new Promise((r) => setTimeout(r, 100));
    expect(connector.connections).toHaveLength(1);
    expect(transport.state.connected).toBe(false);
    expect(transport.state.lastCloseCode).toBe(1000);
  });

  it("bounds disconnect against a peer that never completes the close", async () => {
    const { connector, transport } = await setup({ outboundTimeoutMs: 60_000 });
    await transport.connect();
    const conn = await connector.connection(0);
    const pending = transport.sendOutbound({ op: "send" });
    await conn.next("outbound");
    conn.stopReading();
    await transport.disconnect({ budgetMs: 1_500 });
    expect(await pending).toEqual({ success: false, error: "relay transport closed" });
    expect(transport.state.connected).toBe(false);
  });

  it("dials exactly one connection at a time however often connect() is called", async () => {
    const { connector, transport } = await setup();
    await Promise.all([transport.connect(), transport.connect(), transport.connect()]);
    expect(connector.connections).toHaveLength(1);
  });
});

describe("4401 semantics", () => {
  async function revocable() {
    const ctx = await setup();
    const revoked: number[] = [];
    ctx.transport.onAuthRevoked(() => revoked.push(ctx.connector.connections.length));
    return { ...ctx, revoked };
  }
  const close401 = (c: RawConnection, reason = "unauthorized"): void => c.ws.close(4401, reason);

  it("retries a 4401 before any handshake (provisioning race)", async () => {
    const { connector, transport, revoked } = await revocable();
    connector.onConnection = (c) => {
      if (connector.connections.length <= 3) return close401(c);
      void c
        .next("hello")
        .then(() => c.sendFrame({ type: "descriptor", descriptor: { platform: "discord" } }));
    };
    await transport.connect();
    expect(transport.state.dialCount).toBe(4);
    expect(transport.state.authRevoked).toBe(false);
    expect(revoked).toEqual([]);
  });

  it("reconnects normally after a post-handshake 4401 with reason expired", async () => {
    const { connector, transport, revoked } = await revocable();
    await transport.connect();
    close401(await connector.connection(0), "expired");
    await connector.connection(1);
    close401(await connector.connection(1), "expired");
    await eventually(
      () => transport.state.connected && transport.state.dialCount === 3,
      "third link",
    );
    expect(transport.state.authRevoked).toBe(false);
    expect(revoked).toEqual([]);
  });

  it("re-dials once immediately after a post-handshake 4401 and stays up when that works", async () => {
    const { connector, transport } = await revocable();
    await transport.connect();
    close401(await connector.connection(0));
    await eventually(() => transport.state.connected && transport.state.dialCount === 2, "re-dial");
    expect(transport.state.authRevoked).toBe(false);
  });

  it.each(["at the upgrade", "after its descriptor"])(
    "latches authRevoked when the re-dial is 4401'd %s",
    async (when) => {
      const { connector, transport, revoked } = await revocable();
      connector.onConnection = (c) => {
        const n = connector.connections.length;
        if (n === 2 && when === "at the upgrade") return close401(c);
        void c.next("hello").then(() => {
          c.sendFrame({ type: "descriptor", descriptor: { platform: "discord" } });
          if (n === 2) setTimeout(() => close401(c), 10);
        });
      };
      await transport.connect();
      close401(await connector.connection(0));
      await eventually(() => transport.state.authRevoked, "revocation");
      expect(revoked).toEqual([2]);
      await new Promise((r) => setTimeout(r, 100));
      expect(connector.connections).toHaveLength(2);
      await expect(transport.connect()).rejects.toMatchObject({ code: "RELAY_REVOKED" });
    },
  );
});
