// coalesceWrites / beforeWrite: the frames of one event-loop turn leave together at its end, in
// one write, after one beforeWrite call — observed at a TCP relay between the transport and a
// raw connector (each `data` chunk there is what the network delivered).
import { execFile } from "node:child_process";
import { createConnection, createServer, type AddressInfo, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually } from "@hermes/vitest-config/eventually";
import { afterEach, describe, expect, it } from "vitest";
import type { WebSocketRelayTransportOptions } from "../src/index.js";
import type { WireMessageEvent } from "../src/protocol/types.js";
import { cleanups, runCleanups, SECRET, setupLink } from "./support/transport-setup.js";

afterEach(runCleanups);

/**
 * A TCP relay to `target` that decodes what the gateway side sends (after its upgrade request,
 * WebSocket frames, masked as a client's are): `reads[i]` holds the text of each frame that
 * completed in the i-th chunk the relay received, i.e. in one delivery from the network.
 */
async function tcpRelay(target: string): Promise<{ url: string; reads: string[][] }> {
  const { hostname, port } = new URL(target);
  const reads: string[][] = [];
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    sockets.push(client, upstream);
    let pending = Buffer.alloc(0);
    let upgraded = false;
    client.on("data", (b: Buffer) => {
      upstream.write(b);
      pending = Buffer.concat([pending, b]);
      if (!upgraded) {
        const end = pending.indexOf("\r\n\r\n");
        if (end === -1) return;
        upgraded = true;
        pending = pending.subarray(end + 4);
      }
      const frames: string[] = [];
      for (;;) {
        const frame = takeFrame(pending);
        if (frame === null) break;
        frames.push(frame.text);
        pending = pending.subarray(frame.size);
      }
      reads.push(frames);
    });
    upstream.pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, reads };
}

/** The first whole (masked, client-to-server) WebSocket frame of `b`: its payload and size. */
function takeFrame(b: Buffer): { text: string; size: number } | null {
  if (b.length < 2) return null;
  let length = b[1]! & 0x7f;
  let at = 2;
  if (length === 126) {
    if (b.length < 4) return null;
    length = b.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    if (b.length < 10) return null;
    length = Number(b.readBigUInt64BE(2));
    at = 10;
  }
  const masked = (b[1]! & 0x80) !== 0;
  const mask = masked ? b.subarray(at, at + 4) : null;
  if (masked) at += 4;
  if (b.length < at + length) return null;
  const payload = Buffer.from(b.subarray(at, at + length));
  if (mask !== null) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  return { text: payload.toString("utf8"), size: at + length };
}

/** A transport dialing a raw connector through a TCP relay (`reads`: see tcpRelay). */
async function relayedLink(over: Partial<WebSocketRelayTransportOptions>) {
  let reads: string[][] = [];
  const link = await setupLink(over, undefined, {}, async (url) => {
    const relay = await tcpRelay(url);
    reads = relay.reads;
    return relay.url;
  });
  return { ...link, reads };
}

const event = (text: string): WireMessageEvent => ({
  text,
  source: { platform: "discord", chat_id: "C1", chat_type: "dm", user_id: "U1" },
});

/** The reads at the relay that completed frames of `type`, with how many each. */
function readsOf(reads: string[][], type: string): number[] {
  return reads
    .map((frames) => frames.filter((f) => f.includes(`"type":"${type}"`)).length)
    .filter((n) => n > 0);
}

describe("coalesceWrites", () => {
  it("the replies to the frames of one read leave in one write, after one beforeWrite, in order", async () => {
    let hooks = 0;
    const { connector, transport, reads } = await relayedLink({
      coalesceWrites: true,
      beforeWrite: () => hooks++,
    });
    transport.setInboundHandler((e) => {
      void transport.sendOutbound({ op: "send", chat_id: "C1", content: `re: ${e.text}` });
    });
    await transport.connect();
    const conn = await connector.connection(0);
    await eventually(() => conn.frames.length >= 1, "the hello");
    const before = hooks;
    // Ten inbound frames in one WebSocket message: one read at the gateway.
    conn.send(
      Array.from({ length: 10 }, (_, i) =>
        JSON.stringify({ type: "inbound", event: event(`m${i}`) }),
      )
        .join("\n")
        .concat("\n"),
    );
    await eventually(
      () => conn.frames.filter((f) => f["type"] === "outbound").length === 10,
      "ten replies",
    );
    expect(readsOf(reads, "outbound")).toEqual([10]);
    expect(hooks - before).toBe(1);
    const contents = conn.frames
      .filter((f) => f["type"] === "outbound")
      .map((f) => (f["action"] as { content: string }).content);
    expect(contents).toEqual(Array.from({ length: 10 }, (_, i) => `re: m${i}`));
  });

  it("frames sent from elsewhere (a timer) also leave together at the end of their turn", async () => {
    let hooks = 0;
    const { connector, transport, reads } = await relayedLink({
      coalesceWrites: true,
      beforeWrite: () => hooks++,
    });
    await transport.connect();
    const conn = await connector.connection(0);
    const before = hooks;
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        for (let i = 0; i < 5; i++)
          void transport.sendOutbound({ op: "send", chat_id: "C1", content: `t${i}` });
        transport.interrupt("agent:main:discord:dm:C1");
        resolve();
      }, 5),
    );
    await eventually(() => conn.frames.some((f) => f["type"] === "interrupt"), "the interrupt");
    expect(readsOf(reads, "outbound")).toEqual([5]);
    // The interrupt went in the same write as the five outbound frames.
    const together = reads.filter((frames) => frames.some((f) => f.includes('"type":"interrupt"')));
    expect(together.map((frames) => frames.length)).toEqual([6]);
    expect(hooks - before).toBe(1);
  });

  it("without it each frame is written at once, beforeWrite before each", async () => {
    let hooks = 0;
    const { connector, transport } = await relayedLink({ beforeWrite: () => hooks++ });
    await transport.connect();
    const conn = await connector.connection(0);
    const before = hooks;
    for (let i = 0; i < 5; i++)
      void transport.sendOutbound({ op: "send", chat_id: "C1", content: `u${i}` });
    expect(hooks - before).toBe(5);
    await eventually(
      () => conn.frames.filter((f) => f["type"] === "outbound").length === 5,
      "five",
    );
  });

  it("frames held when the transport disconnects in the same turn still reach the connector", async () => {
    const { connector, transport } = await relayedLink({ coalesceWrites: true });
    await transport.connect();
    const conn = await connector.connection(0);
    transport.interrupt("agent:main:discord:dm:C1", "user asked");
    const closed = transport.disconnect({ budgetMs: 0 });
    await closed;
    await eventually(() => conn.frames.some((f) => f["type"] === "interrupt"), "the interrupt");
  });

  it("a beforeWrite that throws is logged at error and the frames still leave", async () => {
    const { connector, transport, logs } = await relayedLink({
      coalesceWrites: true,
      beforeWrite: () => {
        throw new Error("disk on fire");
      },
    });
    await transport.connect();
    const conn = await connector.connection(0);
    transport.interrupt("agent:main:discord:dm:C1");
    await eventually(() => conn.frames.some((f) => f["type"] === "interrupt"), "the interrupt");
    expect(logs.some((l) => l.includes("beforeWrite") && l.includes("disk on fire"))).toBe(true);
  });
});

describe("coalesceWrites, counted in system calls", () => {
  // The transport in a child process of its own (the built package, as a dependent loads it),
  // so that /proc/<pid>/io counts only its writes: ten frames sent in one turn, and the write
  // system calls the process made for them.
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const child = `
    import { readFileSync } from "node:fs";
    import { WebSocketRelayTransport } from "@hermes/relay-adapter";
    const writes = () => Number(/^syscw: (\\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"))[1]);
    const transport = new WebSocketRelayTransport({
      url: process.env.URL, gatewayId: "gw-test", secret: process.env.SECRET,
      identities: [{ platform: "discord", botId: "bot-1" }],
      coalesceWrites: process.env.COALESCE === "1",
    });
    await transport.connect();
    setTimeout(() => {
      const before = writes();
      for (let i = 0; i < 10; i++)
        void transport.sendOutbound({ op: "send", chat_id: "C1", content: "m" + i });
      setImmediate(() => {
        const after = writes();
        console.log(JSON.stringify({ writes: after - before }));
        void transport.disconnect({ budgetMs: 0 }).then(() => process.exit(0));
      });
    }, 50);`;
  async function burstWrites(coalesce: boolean): Promise<number> {
    const { connector } = await setupLink({}, (c) => (c.secrets = [SECRET]));
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ["--input-type=module", "-e", child],
        {
          cwd: root,
          env: {
            PATH: process.env.PATH ?? "",
            URL: connector.url,
            SECRET,
            COALESCE: coalesce ? "1" : "0",
          },
          timeout: 20_000,
        },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    return (JSON.parse(out.trim().split("\n").at(-1)!) as { writes: number }).writes;
  }

  it("ten frames of one turn: one write(2) with it, one each without", async () => {
    expect(await burstWrites(true)).toBe(1);
    expect(await burstWrites(false)).toBeGreaterThanOrEqual(10);
  });
});
