// Daemon hardening of the link: going_idle once, bounded shutdown, aborted sends,
// escalating connect-failure logs and counters, half-open sockets. Against a RawConnector
// on 127.0.0.1 that never answers what each test needs unanswered.
import { getEventListeners } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { eventually } from "@hermes/vitest-config/eventually";
import { afterEach, describe, expect, it } from "vitest";
import {
  DIAL_FAILURES_ERROR_FROM,
  DIAL_FAILURES_WARN_FROM,
  RelayAdapter,
  REFUSALS_ERROR_FROM,
} from "../src/index.js";
import { MAX_LOG_MESSAGE } from "../src/logger.js";
import type { RawConnection } from "./support/raw-connector.js";
import { runCleanups, SECRET, setupLink, type LogLine } from "./support/transport-setup.js";

afterEach(runCleanups);

const goingIdleFrames = (c: RawConnection): number =>
  c.frames.filter((f) => f["type"] === "going_idle").length;
const wait = (ms: number): Promise<"overran"> =>
  new Promise((r) => setTimeout(() => r("overran"), ms));

describe("going_idle at most once per link", () => {
  it("a second goIdle() on the same link joins the first wait instead of asking again", async () => {
    const { connector, transport } = await setupLink();
    await transport.connect();
    const conn = await connector.connection(0);
    const first = transport.goIdle(200);
    const second = transport.goIdle(200);
    expect(await Promise.all([first, second])).toEqual([false, false]);
    expect(await transport.goIdle(200)).toBe(false); // already attempted on this link: no new wait
    await conn.next("going_idle");
    expect(goingIdleFrames(conn)).toBe(1);
  });

  it("a host's goIdle() then disconnect() sends going_idle once when no ack comes", async () => {
    const { connector, transport } = await setupLink();
    const adapter = new RelayAdapter({ transport, goIdleTimeoutMs: 10_000 });
    expect(await adapter.connect()).toBe(true);
    const conn = await connector.connection(0);
    expect(await adapter.goIdle(150)).toBe(false);
    await adapter.disconnect();
    expect(goingIdleFrames(conn)).toBe(1);
    expect(transport.state.connected).toBe(false);
  });

  it("a new link may ask again (a new lifecycle)", async () => {
    const { connector, transport } = await setupLink();
    await transport.connect();
    expect(await transport.goIdle(50)).toBe(false);
    (await connector.connection(0)).ws.close(1012, "restart");
    const second = await connector.connection(1);
    await eventually(
      () => transport.state.connected && transport.state.dialCount === 2,
      "re-handshake",
    );
    const idle = transport.goIdle(5_000);
    await second.next("going_idle");
    second.sendFrame({ type: "going_idle_ack" });
    expect(await idle).toBe(true);
  });
});

describe("bounded shutdown", () => {
  it("does not join a longer going_idle wait already pending on the link", async () => {
    const { transport } = await setupLink();
    const adapter = new RelayAdapter({ transport });
    await adapter.connect();
    const direct = transport.goIdle(60_000); // asked through the transport, never acked
    expect(
      await Promise.race([adapter.disconnect({ budgetMs: 1_000 }), wait(3_000)]),
    ).toBeUndefined();
    expect(await direct).toBe(false); // settled by the close
  });

  it("adapter.disconnect({budgetMs}) returns within its budget against a peer that answers nothing", async () => {
    const { connector, transport } = await setupLink({ outboundTimeoutMs: 60_000 });
    const adapter = new RelayAdapter({ transport, goIdleTimeoutMs: 10_000 });
    await adapter.connect();
    const conn = await connector.connection(0);
    const send = adapter.send("C1", "hello");
    await conn.next("outbound");
    // From now on the peer reads nothing: no going_idle_ack, no outbound_result, no close reply.
    conn.stopReading();
    // Generous bound (2x the budget): the former code took 10 s (going_idle) + 5 s (grace) here.
    expect(
      await Promise.race([adapter.disconnect({ budgetMs: 1_500 }), wait(3_000)]),
    ).toBeUndefined();
    expect(await send).toMatchObject({ success: false, error: "relay transport closed" });
    expect(transport.state.connected).toBe(false);
    expect(transport.state.pendingOutbound).toBe(0);
  });
});

describe("aborting an outbound send", () => {
  it("settles a sent, unanswered request at once as ambiguous and frees its entry", async () => {
    const { connector, transport } = await setupLink({ outboundTimeoutMs: 60_000 });
    await transport.connect();
    const conn = await connector.connection(0);
    const controller = new AbortController();
    const result = transport.sendOutbound(
      { op: "send", chat_id: "C1", content: "x" },
      { signal: controller.signal },
    );
    await conn.next("outbound");
    expect(transport.state.pendingOutbound).toBe(1);
    controller.abort();
    expect(await result).toEqual({
      success: false,
      error: "relay outbound aborted (it may have been delivered)",
      ambiguous: true,
    });
    expect(transport.state.pendingOutbound).toBe(0);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("does not send at all with an already aborted signal", async () => {
    const { connector, transport } = await setupLink();
    await transport.connect();
    const conn = await connector.connection(0);
    const r = await transport.sendOutbound({ op: "send" }, { signal: AbortSignal.abort() });
    expect(r).toEqual({ success: false, error: "relay outbound aborted before it was sent" });
    transport.interrupt("k-marker");
    await conn.next("interrupt");
    expect(conn.frames.some((f) => f["type"] === "outbound")).toBe(false);
  });

  it("removes its abort listener when the answer comes first", async () => {
    const { connector, transport } = await setupLink();
    await transport.connect();
    const conn = await connector.connection(0);
    const controller = new AbortController();
    const result = transport.sendOutbound({ op: "send" }, { signal: controller.signal });
    const frame = await conn.next("outbound");
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    conn.sendFrame({
      type: "outbound_result",
      requestId: frame["requestId"],
      result: { success: true, message_id: "m1" },
    });
    expect(await result).toEqual({ success: true, message_id: "m1" });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    controller.abort(); // late: changes nothing
  });

  it("passes through RelayAdapter.send and sendAction", async () => {
    const { connector, transport } = await setupLink({ outboundTimeoutMs: 60_000 });
    const adapter = new RelayAdapter({ transport });
    await adapter.connect();
    const conn = await connector.connection(0);
    const controller = new AbortController();
    const sent = adapter.send("C1", "hello", { signal: controller.signal });
    const typing = adapter.sendAction("typing", { chat_id: "C1" }, { signal: controller.signal });
    await conn.next("outbound");
    await conn.next("outbound");
    expect(
      conn.frames
        .filter((f) => f["type"] === "outbound")
        .every((f) => !("signal" in (f["action"] as object))),
    ).toBe(true);
    controller.abort();
    expect(await sent).toMatchObject({ success: false, ambiguous: true });
    expect((await sent).error).toMatch(/aborted/);
    expect(await typing).toMatchObject({ success: false, ambiguous: true });
    expect(transport.state.pendingOutbound).toBe(0);
  });
});

describe("aborting every pending send at once (a host's drain budget)", () => {
  it("settles each unanswered request as ambiguous, frees the entries, and keeps the link up", async () => {
    const { connector, transport } = await setupLink({ outboundTimeoutMs: 60_000 });
    const adapter = new RelayAdapter({ transport });
    await adapter.connect();
    const conn = await connector.connection(0);
    const first = adapter.send("C1", "one");
    const second = adapter.send("C2", "two");
    await conn.next("outbound");
    await conn.next("outbound");
    expect(transport.state.pendingOutbound).toBe(2);
    adapter.abortPendingOutbound();
    for (const r of [await first, await second]) {
      expect(r).toMatchObject({
        success: false,
        ambiguous: true,
        error: "relay outbound aborted (it may have been delivered)",
      });
    }
    expect(transport.state.pendingOutbound).toBe(0);
    expect(transport.state.connected).toBe(true);
    // A late answer for an aborted request is ignored; a new send still works.
    const next = adapter.send("C1", "three");
    const frame = await conn.next("outbound");
    conn.sendFrame({
      type: "outbound_result",
      requestId: frame["requestId"],
      result: { success: true, message_id: "m3" },
    });
    expect(await next).toMatchObject({ success: true, messageId: "m3" });
  });
});

describe("connect failures: escalating logs and counters", () => {
  it("logs failed dials at info, then warn, then error, and one info line when the link comes up", async () => {
    const failures = DIAL_FAILURES_ERROR_FROM + 1;
    const { connector, transport, lines } = await setupLink({}, (c) => {
      c.onConnection = (conn) => {
        if (c.connections.length <= failures) return conn.ws.close(1011, "connector restarting");
        void conn
          .next("hello")
          .then(() => conn.sendFrame({ type: "descriptor", descriptor: { platform: "discord" } }));
      };
    });
    await transport.connect();
    const dialFailed = lines.filter((l) => l.message.startsWith("relay dial failed"));
    expect(dialFailed.map((l) => l.level)).toEqual(
      Array.from({ length: failures }, (_, i) =>
        i + 1 >= DIAL_FAILURES_ERROR_FROM
          ? "error"
          : i + 1 >= DIAL_FAILURES_WARN_FROM
            ? "warn"
            : "info",
      ),
    );
    expect(dialFailed[0]!.message).toContain("1011 connector restarting");
    expect(dialFailed[0]!.message).toContain("1 in a row");
    expect(
      lines.filter((l) => l.level === "info" && l.message.startsWith("relay link up")),
    ).toHaveLength(1);
    expect(lines.filter((l) => /established|link up/.test(l.message))).toHaveLength(1);
    const state = transport.state;
    expect(state).toMatchObject({
      dialCount: failures + 1,
      handshakeCount: 1,
      consecutiveFailures: 0,
      connected: true,
    });
    expect(state.closeCodes).toEqual({ 1011: failures });
    expect(typeof state.lastConnectedAt).toBe("number");
    // A drop of the live link is one warn line and counted; the next dial is not a failure.
    (await connector.connection(failures)).ws.close(1012, "restart");
    await eventually(() => transport.state.handshakeCount === 2, "second handshake");
    expect(transport.state.closeCodes).toEqual({ 1011: failures, 1012: 1 });
    expect(
      lines
        .filter((l) => l.message.startsWith("relay link closed (1012 restart)"))
        .map((l) => l.level),
    ).toEqual(["warn"]);
  });

  it("counts a connector that is down as failed dials closed 1006", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const { transport, lines } = await setupLink({ url: `http://127.0.0.1:${port}` });
    void transport.connect().catch(() => undefined);
    await eventually(
      () => transport.state.consecutiveFailures >= DIAL_FAILURES_WARN_FROM,
      "three failed dials",
    );
    expect(transport.state.closeCodes[1006]).toBeGreaterThanOrEqual(DIAL_FAILURES_WARN_FROM);
    expect(transport.state.connected).toBe(false);
    expect(lines.find((l) => l.message.startsWith("relay dial failed (1006"))?.message).toMatch(
      /ECONNREFUSED/,
    );
    expect(
      lines.some(
        (l) => l.level === "warn" && l.message.includes(`${DIAL_FAILURES_WARN_FROM} in a row`),
      ),
    ).toBe(true);
  });

  it("keeps retrying a secret refused before any handshake and names `hermes gateway enroll` at error", async () => {
    const { connector, transport, lines } = await setupLink(
      {},
      (c) => (c.secrets = ["some-other-secret-not-ours-0123456789"]),
    );
    const connected = transport.connect();
    await eventually(
      () => transport.state.dialCount > REFUSALS_ERROR_FROM + 1,
      "repeated refusals",
    );
    expect(transport.state.authRevoked).toBe(false);
    const errors = lines.filter((l) => l.level === "error");
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]!.message).toContain("hermes gateway enroll");
    expect(errors[0]!.message).toContain(`${REFUSALS_ERROR_FROM} times in a row`);
    const refusals = lines.filter((l) => l.message.includes("4401"));
    expect(refusals.slice(0, REFUSALS_ERROR_FROM - 1).map((l) => l.level)).toEqual(
      Array(REFUSALS_ERROR_FROM - 1).fill("info"),
    );
    expect(refusals[REFUSALS_ERROR_FROM - 1]!.level).toBe("error");
    expect(lines.some((l) => l.message.includes(SECRET))).toBe(false);
    // The secret gets provisioned: the next dial succeeds and the counters reset.
    connector.secrets = [SECRET];
    await connected;
    expect(transport.state).toMatchObject({
      connected: true,
      consecutiveFailures: 0,
      authRevoked: false,
    });
    expect(transport.state.closeCodes[4401]).toBeGreaterThan(REFUSALS_ERROR_FROM);
  });
});

describe("handshake timeout", () => {
  it("reports a connector that never sends its descriptor as a failed dial, with the cause", async () => {
    const { transport, lines } = await setupLink({ handshakeTimeoutMs: 100 }, (c) => {
      c.onConnection = () => undefined; // accepts the upgrade, answers no hello
    });
    void transport.connect().catch(() => undefined);
    await eventually(() => transport.state.consecutiveFailures >= 2, "two failed dials");
    expect(transport.state.lastCloseReason).toBe("handshake timed out (no descriptor)");
    expect(transport.state.closeCodes[1006]).toBeGreaterThanOrEqual(2);
    const failed = lines.filter((l) => l.message.startsWith("relay dial failed"));
    expect(failed[0]).toEqual({
      level: "info",
      message: expect.stringContaining("1006 handshake timed out (no descriptor); 1 in a row"),
    });
  });
});

describe("half-open sockets", () => {
  it("terminates a link whose peer stops answering pings and re-dials", async () => {
    const { connector, transport, lines } = await setupLink(
      { pingIntervalMs: 20, pongTimeoutMs: 150 },
      undefined,
      { autoPong: false },
    );
    await transport.connect();
    const first = await connector.connection(0);
    const serverSawClose = new Promise<number>((r) => first.ws.once("close", (code) => r(code)));
    let pings = 0;
    first.ws.on("ping", () => pings++);
    await connector.connection(1);
    expect(await serverSawClose).toBe(1006); // terminated, not a close handshake the peer could stall
    expect(pings).toBeGreaterThan(0);
    // The second link dies the same way 150 ms later: count handshakes, not the current state.
    await eventually(() => transport.state.handshakeCount >= 2, "re-dial and handshake");
    expect(transport.state.closeCodes[1006]).toBeGreaterThanOrEqual(1);
    expect(
      lines.some(
        (l) =>
          l.level === "warn" && l.message.startsWith("relay link closed (1006 keepalive timeout)"),
      ),
    ).toBe(true);
  });
});

describe("a stop while the link is still being dialed", () => {
  /** An adapter whose handshake is in flight: the peer took the upgrade and never answers the hello. */
  async function midHandshake() {
    const { connector, transport } = await setupLink({}, (c) => {
      c.onConnection = () => undefined;
    });
    const lines: string[] = [];
    const keep = (level: LogLine["level"]) => (message: string) =>
      void lines.push(`${level} ${message}`);
    const adapter = new RelayAdapter({
      transport,
      logger: { debug: keep("debug"), info: keep("info"), warn: keep("warn") },
    });
    const connecting = adapter.connect();
    await (await connector.connection(0)).next("hello");
    return { transport, adapter, connecting, lines };
  }

  it("is not logged as a failed handshake: debug, not warn", async () => {
    const { adapter, connecting, lines } = await midHandshake();
    await adapter.disconnect({ budgetMs: 1_000 });
    expect(await connecting).toBe(false);
    expect(lines.filter((l) => l.startsWith("warn "))).toEqual([]);
    expect(lines).toContainEqual(
      expect.stringMatching(/^debug relay handshake abandoned \(disconnecting\): /),
    );
  });

  it("a link closed by someone else than the adapter still is (warn)", async () => {
    const { transport, connecting, lines } = await midHandshake();
    await transport.disconnect({ budgetMs: 1_000 }); // the transport directly, not adapter.disconnect()
    expect(await connecting).toBe(false);
    expect(lines).toContainEqual(expect.stringMatching(/^warn relay handshake failed: /));
  });
});

describe("a connector that floods the link with garbage", () => {
  const inbound = (text: string) =>
    JSON.stringify({
      type: "inbound",
      event: {
        text,
        source: { platform: "discord", chat_id: "C1", chat_type: "dm", user_id: "U1" },
      },
    });

  it("logs a few lines and a count, not one line per bad frame, and keeps serving", async () => {
    const { connector, transport, lines } = await setupLink();
    const got: string[] = [];
    transport.setInboundHandler((e) => {
      got.push(e.text);
    });
    await transport.connect();
    const c = await connector.connection(0);
    // 200,000 two-byte bad lines in one message, then 50 messages with one bad line each, then
    // 50 frames the contract calls invalid (an inbound without its event), then a good one.
    c.send("x\n".repeat(200_000));
    for (let i = 0; i < 50; i++) c.send(`not json ${i}\n`);
    for (let i = 0; i < 50; i++) c.send('{"type":"inbound"}\n');
    c.send(`${inbound("still here")}\n`);
    await eventually(() => got.length === 1, "the good frame after the flood");
    expect(got).toEqual(["still here"]);
    await transport.disconnect({ budgetMs: 500 }); // tells what was held back
    const warned = lines.filter((l) => l.level === "warn").map((l) => l.message);
    const flood = warned.filter((m) => /skipped|not logged one by one/.test(m));
    expect(flood[0]).toMatch(
      /^relay frames skipped: 200000 malformed lines in one message \(invalid JSON \(1 characters\); .*; …\)$/,
    );
    expect(flood[1]).toBe("relay frame skipped: invalid JSON (10 characters)");
    // Each 10 s window: its first 10 lines as they came, then one count of the rest. Every one
    // of the 101 bad messages is in a line or a count (a slow machine may start a new window).
    const counts = flood.map(
      (m) => /^(\d+) more lines like these within 10 s not logged one by one/.exec(m)?.[1],
    );
    const counted = counts.reduce((sum, n) => sum + (n === undefined ? 0 : Number(n)), 0);
    const single = counts.filter((n) => n === undefined).length;
    expect(single + counted, flood.join("\n")).toBe(101);
    expect(single).toBeLessThanOrEqual(10 * (flood.length - single + 1));
    expect(flood).toContainEqual(
      expect.stringMatching(
        /more lines like these within 10 s not logged one by one \(the last: relay frame skipped: inbound without an event object\)$/,
      ),
    );
    expect(warned.every((m) => m.length <= MAX_LOG_MESSAGE + 40)).toBe(true);
  });
});
