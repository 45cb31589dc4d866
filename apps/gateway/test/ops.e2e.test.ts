// Operator surfaces of the BUILT bin, from outside the process: /metrics and /readyz while
// connected to a ReferenceConnector, `run --check --connect` exit codes, log formats, and
// what an `exec:` agent sees (environment) and leaves behind (stderr, 126/127).
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { connect, createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSessionKey, type WireMessageEvent } from "@hermes/relay-adapter";
import { ReferenceConnector, type OutboundRecord } from "@hermes/relay-adapter/testing";
import { eventually } from "@hermes/vitest-config/eventually";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { parseExposition } from "./support/exposition.js";
import { freePort, ProcessTestFixture } from "./support/fixture.js";
import { BIN, GatewayProcess } from "./support/gateway-process.js";

const GW = "gw-ops";
const SECRET = "ops-upgrade-secret-0123456789abcdef";
const DELIVERY_KEY = "ops-delivery-key-fedcba9876543210";
// ESC [ : the start of an ANSI colour sequence.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);
const fixture = new ProcessTestFixture(GW, [SECRET, DELIVERY_KEY]);
const { cleanups, processes } = fixture;
afterEach(() => fixture.teardown());
const connector = (): Promise<ReferenceConnector> => fixture.connector();

const relayEnv = (c: ReferenceConnector, secret = SECRET): Record<string, string> => ({
  GATEWAY_RELAY_URL: c.baseUrl,
  GATEWAY_RELAY_ID: GW,
  GATEWAY_RELAY_SECRET: secret,
  GATEWAY_RELAY_PLATFORMS: "discord",
});

function gateway(env: Record<string, string>): GatewayProcess {
  const p = new GatewayProcess(["run"], env);
  processes.push(p);
  return p;
}

/** A bare `ws` server on 127.0.0.1 at `/relay` (a connector scripted by the test), closed at teardown. */
async function rawConnector(): Promise<WebSocketServer> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/relay" });
  await new Promise((r) => wss.once("listening", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => r());
      }),
  );
  return wss;
}

/** The bin to completion, asynchronously (the connector lives in this process and must keep answering). */
function runBin(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; out: string; err: string }> {
  const home = mkdtempSync(join(tmpdir(), "gw-ops-"));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? "", HERMES_HOME: home, ...env },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`bin did not exit within ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, out, err });
    });
  });
}

const ev = (text: string, chat = "C1"): WireMessageEvent => ({
  text,
  message_id: `msg-${text}`,
  source: { platform: "discord", chat_id: chat, chat_type: "dm", user_id: "U1" },
});

/** Replies "ok", except to "hold": then it writes a marker file and sleeps (until killed). */
const holdingAgent = (marker: string) =>
  `exec:input=$(cat); case "$input" in *'"hold"'*) touch ${marker}; sleep 30;; esac; echo ok`;

function markerFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "gw-ops-hold-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "holding");
}

describe("/metrics and /readyz of the running bin", () => {
  it("ready while connected, metrics count turns, outbound results, dials and closes; not ready while draining", async () => {
    const c = await connector();
    const marker = markerFile();
    const gw = gateway({
      ...relayEnv(c),
      GATEWAY_HEALTH_PORT: "0",
      GATEWAY_AGENT: holdingAgent(marker),
      GATEWAY_DRAIN_TIMEOUT_MS: "5000",
    });
    const healthz = String(
      (await gw.waitForLog((l) => l.msg === "health endpoint listening"))["url"],
    );
    const readyz = healthz.replace("/healthz", "/readyz");
    const scrape = async () => {
      const res = await fetch(healthz.replace("/healthz", "/metrics"));
      expect(res.status).toBe(200);
      return parseExposition(await res.text());
    };
    await gw.waitForLog((l) => String(l.msg).startsWith("relay link up"));
    const ready = await fetch(readyz);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });

    c.pushInbound(ev("one"));
    c.pushInbound(ev("two", "C2"));
    await gw.waitForLog((l) => l.msg === "replied" && l["chatId"] === "C2");
    await gw.waitForLog((l) => l.msg === "replied" && l["chatId"] === "C1");
    const m = await scrape();
    expect(m.value("hermes_gateway_info", { version: "0.1.0" })).toBe(1);
    expect(m.value("hermes_gateway_link_state", { state: "connected" })).toBe(1);
    expect(m.value("hermes_gateway_dials_total")).toBe(1);
    expect(m.value("hermes_gateway_turns_total", { outcome: "replied" })).toBe(2);
    expect(m.value("hermes_gateway_turn_duration_seconds_count", { outcome: "replied" })).toBe(2);
    expect(m.value("hermes_gateway_outbound_results_total", { kind: "ok" })).toBe(2);
    expect(m.value("hermes_gateway_queue_depth")).toBe(0);
    expect(m.value("hermes_gateway_process_resident_memory_bytes")).toBeGreaterThan(0);

    // A dropped link: counted by close code; /readyz is 503 until the re-dial handshakes.
    c.dropConnections(1012, "service restart");
    await gw.waitForLog(
      (l) => typeof l.msg === "string" && l.msg.startsWith("relay link closed (1012"),
      "close log",
    );
    expect((await fetch(readyz)).status).toBe(503);
    await eventually(
      async () => (await fetch(readyz)).status === 200,
      "ready again after the re-dial",
    );
    const after = await scrape();
    expect(after.value("hermes_gateway_link_closes_total", { code: "1012" })).toBe(1);
    expect(after.value("hermes_gateway_dials_total")).toBe(2);

    // Draining with a turn still running: /readyz 503 while /healthz stays 200.
    c.pushInbound(ev("hold"));
    await eventually(() => existsSync(marker), "the held turn to start");
    expect((await scrape()).value("hermes_gateway_turns_in_flight")).toBe(1);
    gw.child.kill("SIGTERM");
    await gw.waitForLog((l) => l.msg === "draining");
    const notReady = await fetch(readyz);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({
      ready: false,
      reason: expect.stringContaining("draining"),
    });
    expect((await fetch(healthz)).status).toBe(200);
    expect(await gw.exited).toBe(0); // the held turn is aborted at the 5 s drain budget
  });

  it("replayed messages past a full turn queue are counted while they wait for room, not acked, then answered", async () => {
    const c = await connector();
    const marker = markerFile();
    // Replies "ok", except to "hold": then it writes the marker and waits for `<marker>.go`.
    const agent = `exec:input=$(cat); case "$input" in *'"hold"'*) touch ${marker}; while [ ! -e ${marker}.go ]; do sleep 0.05; done;; esac; echo ok`;
    for (const t of ["hold", "b", "c"]) expect(c.pushInbound(ev(t)).delivered).toBe("buffered");
    const gw = gateway({
      ...relayEnv(c),
      GATEWAY_HEALTH_PORT: "0",
      GATEWAY_AGENT: agent,
      GATEWAY_MAX_QUEUED_PER_SESSION: "1",
    });
    const metrics = String(
      (await gw.waitForLog((l) => l.msg === "health endpoint listening"))["url"],
    ).replace("/healthz", "/metrics");
    const scrape = async () => parseExposition(await (await fetch(metrics)).text());
    await eventually(() => existsSync(marker), "the held turn to start");
    // "b" waits for room behind the running turn (the session's bound is 1), "c" behind "b".
    await eventually(
      async () => (await scrape()).value("hermes_gateway_replays_waiting_for_room") === 1,
      "one replay waiting for room",
    );
    const held = await scrape();
    expect(held.value("hermes_gateway_turns_in_flight")).toBe(1);
    expect(held.value("hermes_gateway_queue_depth")).toBe(0);
    // Neither is acked while it waits: the connector still holds both ("hold" is acked once its
    // record is fsync'd, which may take a moment).
    const texts = () =>
      c.bufferOf(GW).map((item) => (item.frame as { event: WireMessageEvent }).event.text);
    await eventually(() => texts().join() === "b,c", "only b and c left with the connector");
    expect((await scrape()).value("hermes_gateway_replays_waiting_for_room")).toBe(1);
    writeFileSync(`${marker}.go`, "");
    await eventually(
      () => c.outbound.filter((o) => o.action.op === "send").length === 3,
      "three replies",
    );
    await eventually(() => c.bufferOf(GW).length === 0, "every item acked");
    expect((await scrape()).value("hermes_gateway_replays_waiting_for_room")).toBe(0);
    expect(await gw.stop("SIGTERM")).toBe(0);
  });

  it("SIGTERM exits 0 although clients of its HTTP ports never finish their requests", async () => {
    const c = await connector();
    const gw = gateway({
      ...relayEnv(c),
      GATEWAY_HEALTH_PORT: "0",
      GATEWAY_RELAY_DELIVERY_KEY: DELIVERY_KEY,
      GATEWAY_RELAY_INBOUND_PORT: String(await freePort()),
    });
    const healthz = new URL(
      String((await gw.waitForLog((l) => l.msg === "health endpoint listening"))["url"]),
    );
    const receiver = new URL(
      String(
        (await gw.waitForLog((l) => l.msg === "signed-HTTP inbound receiver listening"))["url"],
      ),
    );
    await gw.waitForLog((l) => String(l.msg).startsWith("relay link up"));
    const open = async (first: string, url = healthz) => {
      const s = connect(Number(url.port), url.hostname);
      s.on("error", () => undefined);
      s.resume(); // read whatever is answered, so the end of the stream is seen
      cleanups.push(() => void s.destroy());
      await new Promise((r) => s.once("connect", r));
      s.write(first);
      // Wrapped: an async function returning the bare promise would wait for the close here.
      return { closed: new Promise<void>((r) => s.once("close", () => r())) };
    };
    // Two bytes of a request line then silence; headers begun and never ended; a body promised
    // and never sent. Node stops its own header/request timeouts once the server is closing.
    const closed = [
      await open("GE"),
      await open("GET /healthz HTTP/1.1\r\nhost: x\r\n"),
      await open("POST /healthz HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\nab"),
      await open("GE", receiver),
      await open("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\nab", receiver),
    ];
    expect((await fetch(healthz)).status).toBe(200); // the others are still answered
    // Headers over Node's 16 KiB limit: answered 431 and closed, the port still serving.
    const big = connect(Number(healthz.port), healthz.hostname);
    big.on("error", () => undefined);
    cleanups.push(() => void big.destroy());
    let answer = "";
    big.on("data", (d: Buffer) => (answer += d.toString("latin1")));
    const bigClosed = new Promise<void>((r) => big.once("close", () => r()));
    big.write(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`);
    await bigClosed;
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect((await fetch(healthz)).status).toBe(200);
    expect(await gw.stop("SIGTERM", 60_000)).toBe(0);
    await Promise.all(closed.map((o) => o.closed));
  }, 90_000);
});

describe("a connector that floods the link with garbage", () => {
  it("gets a few log lines and a count, not one per bad line, and the gateway keeps answering", async () => {
    const wss = await rawConnector();
    const replies: string[] = [];
    wss.on("connection", (ws) => {
      let greeted = false;
      ws.on("message", (data) => {
        for (const line of data.toString().split("\n").filter(Boolean)) {
          const frame = JSON.parse(line) as {
            type: string;
            requestId?: string;
            action?: { op: string; content?: string };
          };
          if (frame.type === "outbound") {
            if (frame.action?.op === "send") replies.push(frame.action.content ?? "");
            const result = { success: true, message_id: "r1" };
            ws.send(
              `${JSON.stringify({ type: "outbound_result", requestId: frame.requestId, result })}\n`,
            );
          }
          if (frame.type === "going_idle")
            ws.send(`${JSON.stringify({ type: "going_idle_ack" })}\n`);
        }
        if (greeted) return;
        greeted = true;
        ws.send(`${JSON.stringify({ type: "descriptor", descriptor: { platform: "discord" } })}\n`);
        // 1 MiB of two-byte bad lines in one message (524,288 of them), then a message.
        ws.send("x\n".repeat(512 * 1024));
        const event: WireMessageEvent = {
          text: "still here",
          message_id: "m1",
          source: { platform: "discord", chat_id: "C1", chat_type: "dm", user_id: "U1" },
        };
        ws.send(`${JSON.stringify({ type: "inbound", event })}\n`);
      });
    });
    const gw = gateway({
      GATEWAY_RELAY_URL: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/relay`,
      GATEWAY_RELAY_ID: GW,
      GATEWAY_RELAY_SECRET: SECRET,
      GATEWAY_RELAY_PLATFORMS: "discord",
      GATEWAY_LOG_LEVEL: "info",
    });
    await eventually(() => replies.includes("still here"), "the reply after the flood", {
      timeoutMs: 20_000,
    });
    const skipped = gw.lines.filter((l) => /^relay frames? skipped/.test(String(l.msg)));
    expect(skipped.map((l) => l.msg)).toEqual([
      expect.stringMatching(
        /^relay frames skipped: 524288 malformed lines in one message \(invalid JSON \(1 characters\); /,
      ),
    ]);
    expect(gw.raw.length).toBeLessThan(64 * 1024); // not ~80 bytes of log per byte received
    expect(await gw.stop()).toBe(0);
  });
});

describe("run --check --connect", () => {
  it("0: handshakes, prints the descriptor summary and the round trip, disconnects", async () => {
    const c = await connector();
    const closed = c.waitFor("close");
    const r = await runBin(["run", "--check", "--connect"], relayEnv(c));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /✓ connected to ws:\/\/127\.0\.0\.1:\d+\/relay as gw-ops: handshake round trip \d+ ms/,
    );
    expect(r.out).toMatch(/platform\s+discord/);
    expect(r.out).toMatch(/max_message_length\s+2000/);
    expect(r.out).toMatch(/len_unit\s+chars/);
    expect(r.out).toMatch(/supported ops\s+send, /);
    expect(r.out).toContain("✓ disconnected");
    expect(r.out + r.err).not.toContain(SECRET);
    expect(await closed).toMatchObject({ gatewayId: GW, code: 1000 });
    expect(c.isConnected(GW)).toBe(false);
  });

  it("a hostile connector's descriptor reaches the terminal without escape sequences", async () => {
    const wss = await rawConnector();
    const escapes = "\u001b[2J\u001b]0;pwned\u0007\r\nFAKE";
    wss.on("connection", (ws) =>
      ws.on("message", () => {
        const descriptor = {
          platform: `discord${escapes}`,
          label: `L${escapes}`,
          supported_ops: ["send", `op${escapes}`],
        };
        ws.send(`${JSON.stringify({ type: "descriptor", descriptor })}\n`);
      }),
    );
    const r = await runBin(["run", "--check", "--connect"], {
      GATEWAY_RELAY_URL: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/relay`,
      GATEWAY_RELAY_SECRET: SECRET,
      GATEWAY_RELAY_PLATFORMS: "discord",
    });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/platform\s+discord /);
    expect(r.out + r.err).not.toContain("\u001b");
    expect(r.out + r.err).not.toContain("\u0007");
    expect(r.out).not.toMatch(/\nFAKE/);
  });

  it("1: nothing listening (bounded, no retry loop)", async () => {
    const port = await freePort();
    const r = await runBin(["run", "--check", "--connect", "--timeout", "5000"], {
      GATEWAY_RELAY_URL: `ws://127.0.0.1:${port}`,
      GATEWAY_RELAY_SECRET: SECRET,
      GATEWAY_RELAY_PLATFORMS: "discord",
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`✗ cannot reach the connector at ws://127.0.0.1:${port}/relay`);
    expect(r.err).toContain("ECONNREFUSED");
    expect(r.out + r.err).not.toContain(SECRET);
  });

  it("hides a secret that the URL or the gateway id repeats, in every line it prints", async () => {
    const port = await freePort();
    // Nothing listening: the failure line names the URL dialed, its path holding the secret.
    const r = await runBin(["run", "--check", "--connect", "--timeout", "5000"], {
      GATEWAY_RELAY_URL: `ws://127.0.0.1:${port}/${SECRET}`,
      GATEWAY_RELAY_SECRET: SECRET,
      GATEWAY_RELAY_PLATFORMS: "discord",
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `✗ cannot reach the connector at ws://127.0.0.1:${port}/<hidden>/relay`,
    );
    expect(r.out + r.err).not.toContain(SECRET);
    // Connected: the success line names the gateway id, here the secret itself.
    const c = await new ReferenceConnector({ gateways: { [SECRET]: [SECRET] } }).start();
    cleanups.push(() => c.stop());
    const ok = await runBin(["run", "--check", "--connect"], {
      GATEWAY_RELAY_URL: c.baseUrl,
      GATEWAY_RELAY_ID: SECRET,
      GATEWAY_RELAY_SECRET: SECRET,
      GATEWAY_RELAY_PLATFORMS: "discord",
    });
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/✓ connected to ws:\/\/127\.0\.0\.1:\d+\/relay as <hidden>:/);
    expect(ok.out + ok.err).not.toContain(SECRET);
  });

  it("1: a peer that accepts TCP but never answers is given up at --timeout", async () => {
    const sockets: import("node:net").Socket[] = [];
    const silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    cleanups.push(
      () =>
        new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), silent.close(() => r()))),
    );
    const r = await runBin(["run", "--check", "--connect", "--timeout", "300"], {
      GATEWAY_RELAY_URL: `ws://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      GATEWAY_RELAY_PLATFORMS: "discord",
    });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no handshake with .* within 300 ms|cannot reach the connector/);
  });

  it("2: invalid configuration or a bad --timeout, naming what is wrong", async () => {
    const bad = await runBin(["run", "--check", "--connect"], {
      GATEWAY_RELAY_URL: "ftp://x",
      GATEWAY_RELAY_PLATFORMS: "discord",
    });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("GATEWAY_RELAY_URL (from env)");
    const off = await runBin(["run", "--check", "--connect"], {});
    expect(off.code).toBe(2);
    expect(off.err).toContain("nothing to connect to");
    const timeout = await runBin(["run", "--check", "--connect", "--timeout", "soon"], {});
    expect(timeout.code).toBe(2);
    expect(timeout.err).toContain("--timeout");
    expect((await runBin(["run", "--connect"], {})).code).toBe(2);
  });

  it("3: the connector refuses the secret", async () => {
    const c = await connector();
    const refused = c.waitFor("refused");
    const r = await runBin(
      ["run", "--check", "--connect"],
      relayEnv(c, "not-the-right-secret-0123456789"),
    );
    await refused;
    expect(r.code).toBe(3);
    expect(r.err).toContain("refused the secret of gw-ops (close 4401 unauthorized)");
    expect(r.err).toContain("hermes gateway enroll");
    expect(r.out + r.err).not.toContain("not-the-right-secret-0123456789");
  });
});

describe("logs of the built bin", () => {
  it("GATEWAY_LOG_FORMAT=json: every stdout line is JSON with pid and version; an interrupt is info", async () => {
    const c = await connector();
    const marker = markerFile();
    const gw = gateway({
      ...relayEnv(c),
      GATEWAY_LOG_FORMAT: "json",
      GATEWAY_AGENT: holdingAgent(marker),
    });
    await c.waitFor("handshake");
    const held = ev("hold");
    c.pushInbound(held);
    await eventually(() => existsSync(marker), "the held turn to start");
    c.pushInterrupt(buildSessionKey(held.source), "C1");
    const interrupted = await gw.waitForLog(
      (l) => l.msg === "turn interrupted",
      "turn interrupted",
    );
    expect(interrupted.level).toBe(30);
    expect(await gw.stop()).toBe(0);
    const lines = gw.raw.split("\n").filter((l) => l !== "");
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      const parsed = JSON.parse(line) as { pid: unknown; version: unknown };
      expect(parsed.pid).toBe(gw.child.pid);
      expect(parsed.version).toBe("0.1.0");
    }
    expect(gw.lines.filter((l) => l.level >= 40)).toEqual([]);
  });

  it("pretty on a terminal is coloured unless NO_COLOR is set; pid and version are on every line", async () => {
    const c = await connector();
    // `script` gives the bin a real pseudo-terminal as stdout; SIGTERM once the link is up.
    const underTerminal = (extra: Record<string, string>) =>
      new Promise<string>((resolve, reject) => {
        const home = mkdtempSync(join(tmpdir(), "gw-ops-tty-"));
        cleanups.push(() => rmSync(home, { recursive: true, force: true }));
        const env = {
          PATH: process.env.PATH ?? "",
          HERMES_HOME: home,
          TERM: "xterm",
          ...relayEnv(c),
          ...extra,
        };
        const child = spawn(
          "script",
          ["-qefc", `exec ${process.execPath} ${BIN} run`, "/dev/null"],
          { env },
        );
        let out = "";
        child.stdout.on("data", (b: Buffer) => {
          out += b.toString();
          if (out.includes("relay link up") && child.exitCode === null) child.kill("SIGTERM");
        });
        child.on("error", reject);
        child.on("close", () => resolve(out));
      });
    const coloured = await underTerminal({});
    expect(coloured).toContain("relay link up");
    expect(coloured).toMatch(ANSI);
    const plain = await underTerminal({ NO_COLOR: "1" });
    expect(plain).toContain("relay link up");
    expect(plain).not.toMatch(ANSI);
    const headers = plain.split(/\r?\n/).filter((l) => /^\[[\d:]+\] [A-Z]+ /.test(l));
    expect(headers.length).toBeGreaterThanOrEqual(2);
    for (const line of headers) expect(line).toMatch(/\(hermes-gateway@0\.1\.0\/\d+\)/);
    // Forced pretty to a pipe: human-readable, never coloured.
    const piped = gateway({ ...relayEnv(c), GATEWAY_LOG_FORMAT: "pretty" });
    await c.waitFor("handshake");
    await eventually(() => piped.raw.includes("relay link up"), "pretty line");
    expect(await piped.stop()).toBe(0);
    expect(piped.raw).not.toMatch(ANSI);
    expect(() => JSON.parse(piped.raw.split("\n")[0] ?? "")).toThrow();
    expect(coloured + plain).not.toContain(SECRET);
  });

  it("an invalid GATEWAY_LOG_FORMAT is a configuration error (exit 2) naming the key and source", async () => {
    const r = await runBin(["run"], {
      GATEWAY_LOG_FORMAT: "xml",
      GATEWAY_RELAY_URL: "ws://127.0.0.1:9",
      GATEWAY_RELAY_PLATFORMS: "discord",
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain("GATEWAY_LOG_FORMAT (from env): expected one of json, pretty");
  });
});

describe("exec: agents through the built bin", () => {
  it("the child's environment has no gateway secret, by name or by value; GATEWAY_AGENT_PASS_ENV passes a named key", async () => {
    const c = await connector();
    gateway({
      ...relayEnv(c),
      GATEWAY_RELAY_DELIVERY_KEY: DELIVERY_KEY,
      OTHER_SERVICE_TOKEN: "tok-should-not-pass",
      SAME_VALUE_AS_SECRET: SECRET,
      OPENAI_API_KEY: "sk-pass-me",
      HARMLESS_SETTING: "visible",
      GATEWAY_AGENT_PASS_ENV: "OPENAI_API_KEY",
      GATEWAY_AGENT: `exec:node -e 'process.stdin.resume();process.stdin.on("end",()=>process.stdout.write(JSON.stringify(process.env)))'`,
    });
    await c.waitFor("handshake");
    c.pushInbound(ev("env please"));
    const sent = await eventually(
      () => c.outbound.find((o) => o.action.op === "send") ?? false,
      "the agent's reply",
    );
    const childEnv = JSON.parse(String(sent.action["content"])) as Record<string, string>;
    expect(childEnv["HARMLESS_SETTING"]).toBe("visible");
    expect(childEnv["OPENAI_API_KEY"]).toBe("sk-pass-me");
    for (const name of [
      "GATEWAY_RELAY_SECRET",
      "GATEWAY_RELAY_DELIVERY_KEY",
      "OTHER_SERVICE_TOKEN",
      "SAME_VALUE_AS_SECRET",
    ])
      expect(childEnv).not.toHaveProperty(name);
    expect(Object.values(childEnv)).not.toContain(SECRET);
    expect(Object.values(childEnv)).not.toContain(DELIVERY_KEY);
  });

  it("stderr tail logged at warn on failure; 126 / 127 say not executable / not found", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-ops-exec-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const failing = join(dir, "failing.sh");
    writeFileSync(failing, "#!/bin/sh\necho 'model backend: connection refused' >&2\nexit 4\n");
    chmodSync(failing, 0o755);
    const notExecutable = join(dir, "plain.sh");
    writeFileSync(notExecutable, "#!/bin/sh\necho hi\n", { mode: 0o644 });
    // One gateway per agent: the command is fixed per process.
    const cases = [
      {
        agent: `exec:${failing}`,
        expectMsg: "exited with 4",
        stderr: "model backend: connection refused",
      },
      {
        agent: `exec:${notExecutable}`,
        expectMsg: "not executable (exit 126)",
        stderr: "Permission denied",
      },
      {
        agent: `exec:${join(dir, "missing.sh")}`,
        expectMsg: "not found (exit 127)",
        stderr: "not found",
      },
    ];
    for (const k of cases) {
      const c = await connector();
      const gw = gateway({ ...relayEnv(c), GATEWAY_AGENT: k.agent });
      await c.waitFor("handshake");
      c.pushInbound(ev("x"));
      const tail = await gw.waitForLog(
        (l) => l.msg === "exec agent failed (tail of its stderr)",
        `stderr tail for ${k.agent}`,
      );
      expect(tail.level).toBe(40);
      expect(String(tail["stderr"])).toContain(k.stderr);
      const failed = await gw.waitForLog((l) => l.msg === "turn failed", "turn failed");
      expect(String(failed["err"])).toContain(k.expectMsg);
      expect(await gw.stop()).toBe(0);
    }
  });
});

describe("exec: an agent's stderr tail never shows part of a secret", () => {
  it("a secret the 4 KiB cut would split is hidden whole; one inside the tail is hidden too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-ops-tail-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const c = await connector();
    const env = relayEnv(c);
    const secret = env.GATEWAY_RELAY_SECRET ?? "";
    expect(secret.length).toBeGreaterThan(20);
    // The secret, then 4,076 bytes: the last 4,096 bytes begin 20 bytes before the secret ends.
    const agent = join(dir, "leaky.sh");
    writeFileSync(
      agent,
      // The gateway never hands a secret to an agent; this one read it elsewhere (a shared file).
      `#!/bin/sh\nprintf '%s' '${secret}' >&2\nhead -c 4076 /dev/zero | tr '\\0' x >&2\nexit 1\n`,
      { mode: 0o755 },
    );
    const gw = gateway({ ...env, GATEWAY_AGENT: `exec:${agent}` });
    await c.waitFor("handshake");
    c.pushInbound(ev("x"));
    const tail = await gw.waitForLog(
      (l) => l.msg === "exec agent failed (tail of its stderr)",
      "the stderr tail",
    );
    const stderr = String(tail["stderr"]);
    expect(stderr.startsWith("<hidden>x")).toBe(true);
    expect(stderr).toHaveLength("<hidden>".length + 4076);
    expect(gw.raw).not.toContain(secret.slice(-12));
    expect(await gw.stop()).toBe(0);
  });
});

describe("exec: agents through the built bin, leftovers", () => {
  it("an agent that exits leaving a background process on its stdout is answered at once; the leftover is killed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-ops-leftover-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const pidFile = join(dir, "pid");
    const c = await connector();
    const gw = gateway({
      ...relayEnv(c),
      GATEWAY_AGENT: `exec:echo answered; sleep 600 & echo $! > ${pidFile}`,
      GATEWAY_AGENT_TIMEOUT_MS: "600000",
      GATEWAY_REACTIONS: "none",
      GATEWAY_TYPING_INTERVAL_MS: "0",
    });
    await c.waitFor("handshake");
    c.pushInbound(ev("x"));
    const sent = await c.waitFor<OutboundRecord>("outbound", (r) => r.action.op === "send", 60_000);
    expect(sent.action).toMatchObject({ content: "answered" });
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    await eventually(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, "the leftover sleep to be killed");
    expect(await gw.stop()).toBe(0);
  }, 90_000);
});

describe("http agents through the built bin", () => {
  it("an agent that streams an endless 2xx body fails the turn at the 1 MiB cap (AGENT_BAD_REPLY)", async () => {
    const chunk = Buffer.alloc(256 * 1024, "x");
    let answered: Promise<void> = new Promise(() => undefined);
    const agent = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/plain" });
      // Endless at a bounded rate; without the cap the gateway buffers until its timeout.
      const pump = setInterval(() => {
        if (!res.writableNeedDrain) res.write(chunk);
      }, 5);
      answered = new Promise((r) => res.once("close", () => r(clearInterval(pump))));
    });
    await new Promise<void>((r) => agent.listen(0, "127.0.0.1", r));
    cleanups.push(() => {
      agent.closeAllConnections();
      agent.close();
    });
    const c = await connector();
    const gw = gateway({
      ...relayEnv(c),
      GATEWAY_AGENT: `http://127.0.0.1:${(agent.address() as AddressInfo).port}/turn`,
      GATEWAY_AGENT_TIMEOUT_MS: "600000",
      GATEWAY_REACTIONS: "none",
      GATEWAY_TYPING_INTERVAL_MS: "0",
    });
    await c.waitFor("handshake");
    c.pushInbound(ev("flood"));
    const failed = await gw.waitForLog((l) => l.msg === "turn failed", "turn failed", 60_000);
    expect(failed["code"]).toBe("AGENT_BAD_REPLY");
    await answered; // the gateway stopped reading the response
    expect(c.outbound).toHaveLength(0);
    expect(await gw.stop()).toBe(0);
  }, 90_000);
});
