import { request } from "node:http";
import { connect } from "node:net";
import { once } from "node:events";
import { signDelivery, DELIVERY_SIG_HEADER, DELIVERY_TS_HEADER } from "@hermes/relay-crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  InboundReceiverOptionsError,
  startInboundReceiver,
  type InboundReceiverServer,
  type InboundReceiverServerOptions,
} from "../src/receiver/server.js";

const KEY = "delivery-key-0123456789abcdef";
const NOW = 1_750_000_000_000; // ms, like Date.now()
const BODY = '{"type":"message","event":{"text":"hi","source":{"chat_id":"c1"}}}';

interface Reply {
  status: number;
  body: string;
}

function call(
  url: string,
  opts: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    chunks?: Buffer[];
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${opts.path ?? "/"}`,
      { method: opts.method ?? "POST", headers: opts.headers },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (opts.chunks) for (const c of opts.chunks) req.write(c);
    req.end(opts.body);
  });
}

function signed(body: string | Buffer, key = KEY, now = NOW): Record<string, string> {
  const { timestamp, signature } = signDelivery(body, key, { now });
  return {
    [DELIVERY_TS_HEADER]: timestamp,
    [DELIVERY_SIG_HEADER]: signature,
    "content-type": "application/json",
  };
}

let server: InboundReceiverServer | null = null;
afterEach(async () => {
  server?.server.closeAllConnections(); // a test that failed may leave a dribbling socket behind
  await server?.close();
  server = null;
});

async function start(overrides: Partial<InboundReceiverServerOptions> = {}) {
  const messages: Record<string, unknown>[] = [];
  const interrupts: [string, string][] = [];
  const warnings: string[] = [];
  server = await startInboundReceiver({
    port: 0,
    verifyKeys: [KEY],
    onMessage: (e) => {
      messages.push(e);
    },
    onInterrupt: (s, c) => {
      interrupts.push([s, c]);
    },
    now: () => NOW,
    logger: { warn: (m) => warnings.push(m) },
    ...overrides,
  });
  return { url: server.url, messages, interrupts, warnings };
}

describe("signed-HTTP inbound receiver (docs/contract/relay.md#signed-http-receiver)", () => {
  it("binds loopback by default and answers GET /healthz with ok", async () => {
    const { url } = await start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await call(url, { method: "GET", path: "/healthz" })).toEqual({
      status: 200,
      body: "ok",
    });
  });

  it("dispatches a signed message and answers {ok:true}", async () => {
    const { url, messages } = await start();
    const r = await call(url, { headers: signed(BODY), body: BODY });
    expect(r).toEqual({ status: 200, body: '{"ok":true}' });
    expect(messages).toEqual([{ text: "hi", source: { chat_id: "c1" } }]);
  });

  it("verifies the raw bytes, not a re-serialization (Python spacing passes)", async () => {
    const { url, messages } = await start();
    const spaced = '{"type": "message", "event": {"text": "hi", "source": {"chat_id": "c1"}}}';
    expect((await call(url, { headers: signed(spaced), body: spaced })).status).toBe(200);
    expect(messages).toHaveLength(1);
  });

  it("fails closed without usable keys: 401 no delivery key configured", async () => {
    const { url, messages } = await start({ verifyKeys: ["", "   "] });
    const r = await call(url, { headers: signed(BODY), body: BODY });
    expect(r).toEqual({ status: 401, body: '{"error":"no delivery key configured"}' });
    expect(messages).toHaveLength(0);
  });

  it("reads the verify list per request (rotation)", async () => {
    let keys: string[] = [];
    const { url } = await start({ verifyKeys: () => keys });
    expect((await call(url, { headers: signed(BODY), body: BODY })).status).toBe(401);
    keys = ["new-key", KEY];
    expect((await call(url, { headers: signed(BODY), body: BODY })).status).toBe(200);
  });

  it("rejects a bad, missing, stale or wrong-key signature with 401 invalid delivery signature", async () => {
    const { url, messages } = await start();
    const bad = '{"error":"invalid delivery signature"}';
    expect(await call(url, { headers: signed(BODY, "other-key"), body: BODY })).toEqual({
      status: 401,
      body: bad,
    });
    expect(await call(url, { body: BODY })).toEqual({ status: 401, body: bad });
    expect(await call(url, { headers: signed(BODY, KEY, NOW - 301_000), body: BODY })).toEqual({
      status: 401,
      body: bad,
    });
    expect(await call(url, { headers: signed(BODY), body: BODY + " " })).toEqual({
      status: 401,
      body: bad,
    });
    expect(messages).toHaveLength(0);
  });

  it("accepts a signature exactly at the edge of the skew window", async () => {
    const { url } = await start();
    expect(
      (await call(url, { headers: signed(BODY, KEY, NOW - 300_000), body: BODY })).status,
    ).toBe(200);
  });

  it("rejects invalid UTF-8 as an invalid signature even when the HMAC matches", async () => {
    const { url, messages } = await start();
    const bytes = Buffer.from([0x7b, 0xff, 0x7d]);
    expect(await call(url, { headers: signed(bytes), body: bytes })).toEqual({
      status: 401,
      body: '{"error":"invalid delivery signature"}',
    });
    expect(messages).toHaveLength(0);
  });

  it("answers 400 invalid JSON body after a valid signature", async () => {
    const { url } = await start();
    const body = "{nope";
    expect(await call(url, { headers: signed(body), body })).toEqual({
      status: 400,
      body: '{"error":"invalid JSON body"}',
    });
  });

  it("answers 400 missing event when event is not an object", async () => {
    const { url, messages } = await start();
    for (const body of ['{"type":"message"}', '{"event":[1]}', '{"event":"x"}', "[1,2]"]) {
      expect(await call(url, { headers: signed(body), body })).toEqual({
        status: 400,
        body: '{"error":"missing event"}',
      });
    }
    expect(messages).toHaveLength(0);
  });

  it("routes interrupts by path or type, chat id from chat_id else reason", async () => {
    const { url, interrupts, messages } = await start();
    const a = '{"session_key":"agent:main:discord:group:c:u","chat_id":"c"}';
    const b = '{"type":"interrupt","session_key":"k2","reason":"stop"}';
    const c = '{"type":"interrupt","session_key":"k3"}';
    expect(await call(url, { path: "/interrupt", headers: signed(a), body: a })).toEqual({
      status: 200,
      body: '{"ok":true}',
    });
    expect((await call(url, { headers: signed(b), body: b })).status).toBe(200);
    expect((await call(url, { headers: signed(c), body: c })).status).toBe(200);
    expect(interrupts).toEqual([
      ["agent:main:discord:group:c:u", "c"],
      ["k2", "stop"],
      ["k3", ""],
    ]);
    expect(messages).toHaveLength(0);
  });

  it("answers 200 but calls no handler for an interrupt without a session key", async () => {
    const { url, interrupts } = await start();
    const body = '{"type":"interrupt","session_key":""}';
    expect(await call(url, { headers: signed(body), body })).toEqual({
      status: 200,
      body: '{"ok":true}',
    });
    expect(interrupts).toHaveLength(0);
  });

  it("rejects a replay of an accepted (timestamp, signature) pair within the window", async () => {
    const { url, messages } = await start();
    const headers = signed(BODY);
    expect((await call(url, { headers, body: BODY })).status).toBe(200);
    expect(await call(url, { headers, body: BODY })).toEqual({
      status: 409,
      body: '{"error":"replayed delivery"}',
    });
    // Same pair with an upper-case signature and a padded timestamp is the same delivery.
    const alt = {
      ...headers,
      [DELIVERY_SIG_HEADER]: headers[DELIVERY_SIG_HEADER]!.toUpperCase(),
      [DELIVERY_TS_HEADER]: ` ${headers[DELIVERY_TS_HEADER]!}`,
    };
    expect((await call(url, { headers: alt, body: BODY })).status).toBe(409);
    expect(messages).toHaveLength(1);
  });

  it("keeps replay memory bounded: expired pairs are dropped, a full table refuses with 503", async () => {
    let now = NOW;
    const { url } = await start({ now: () => now, maxReplayEntries: 2 });
    const bodies = ['{"event":{"n":1}}', '{"event":{"n":2}}', '{"event":{"n":3}}'];
    expect(
      (await call(url, { headers: signed(bodies[0]!, KEY, now), body: bodies[0]! })).status,
    ).toBe(200);
    expect(
      (await call(url, { headers: signed(bodies[1]!, KEY, now), body: bodies[1]! })).status,
    ).toBe(200);
    expect(await call(url, { headers: signed(bodies[2]!, KEY, now), body: bodies[2]! })).toEqual({
      status: 503,
      body: '{"error":"too many recent deliveries; retry later"}',
    });
    now += 301_000; // the first two pairs can no longer verify: they are forgotten
    expect(
      (await call(url, { headers: signed(bodies[2]!, KEY, now), body: bodies[2]! })).status,
    ).toBe(200);
  });

  it("answers 500 when a handler throws and lets the connector retry the same delivery", async () => {
    let fail = true;
    const { url } = await start({
      onMessage: () => {
        if (fail) throw new Error("boom");
      },
    });
    const headers = signed(BODY);
    expect(await call(url, { headers, body: BODY })).toEqual({
      status: 500,
      body: '{"error":"handler failed"}',
    });
    fail = false;
    expect((await call(url, { headers, body: BODY })).status).toBe(200);
  });

  it("waits for an async handler before answering; a rejection is a 500 and the delivery can be retried", async () => {
    let release!: () => void;
    let entered!: () => void;
    const handlerEntered = new Promise<void>((r) => (entered = r));
    let fail = true;
    const { url } = await start({
      onMessage: () =>
        fail
          ? Promise.reject(new Error("async boom"))
          : new Promise<void>((r) => {
              release = r;
              entered();
            }),
    });
    const headers = signed(BODY);
    expect(await call(url, { headers, body: BODY })).toEqual({
      status: 500,
      body: '{"error":"handler failed"}',
    });
    fail = false;
    let answered = false;
    const pending = call(url, { headers, body: BODY }).then((r) => {
      answered = true;
      return r;
    });
    await handlerEntered; // the handler holds the answer: no reply can have been sent yet
    expect(answered).toBe(false);
    release();
    expect(await pending).toEqual({ status: 200, body: '{"ok":true}' });
  });

  it("answers 413 above the size cap, declared or streamed, before any signature work", async () => {
    const { url, messages, warnings } = await start({ maxBodyBytes: 64 });
    const big = `{"event":{"text":"${"x".repeat(200)}"}}`;
    const tooLarge = { status: 413, body: '{"error":"request body too large"}' };
    expect(await call(url, { headers: signed(big), body: big })).toEqual(tooLarge);
    // chunked: no content-length, the cap trips while streaming
    const chunks = Array.from({ length: 8 }, () => Buffer.from("y".repeat(32)));
    expect(
      await call(url, { headers: { ...signed("z"), "transfer-encoding": "chunked" }, chunks }),
    ).toEqual(tooLarge);
    expect(messages).toHaveLength(0);
    expect(warnings.join("\n")).not.toContain(KEY);
  });

  it("has a 1 MiB default cap", async () => {
    const { url } = await start();
    const body = Buffer.alloc(1024 * 1024 + 1, 0x20);
    expect((await call(url, { headers: signed(body), body })).status).toBe(413);
  });

  it("answers 404 / 405 for other routes and methods", async () => {
    const { url } = await start();
    expect((await call(url, { path: "/other", body: "" })).status).toBe(404);
    expect((await call(url, { method: "GET", path: "/" })).status).toBe(405);
    expect((await call(url, { method: "POST", path: "/healthz", body: "" })).status).toBe(405);
  });

  it("survives an aborted upload and keeps serving", async () => {
    const { url, messages } = await start();
    await new Promise<void>((resolve) => {
      const req = request(`${url}/`, {
        method: "POST",
        headers: { ...signed(BODY), "content-length": "1000" },
      });
      req.on("error", () => resolve());
      req.write(BODY.slice(0, 10), () => setImmediate(() => req.destroy()));
      req.on("close", () => resolve());
    });
    expect((await call(url, { headers: signed(BODY), body: BODY })).status).toBe(200);
    expect(messages).toHaveLength(1);
  });

  it("never puts the key or the signature in a response or a warning", async () => {
    const { url, warnings } = await start({ onMessage: () => Promise.reject(new Error(KEY)) });
    const headers = signed(BODY);
    const replies = [
      await call(url, { headers, body: BODY }),
      await call(url, { headers: signed(BODY, "wrong"), body: BODY }),
    ];
    const everything = replies.map((r) => r.body).join("\n") + warnings.join("\n");
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(headers[DELIVERY_SIG_HEADER]!);
  });
});

describe("signed-HTTP receiver socket limits", () => {
  /** A connected raw socket, with everything it received and a promise of its close. */
  async function rawSocket(url: string) {
    const { port } = new URL(url);
    const socket = connect(Number(port), "127.0.0.1");
    let received = "";
    socket.on("data", (d: Buffer) => (received += d.toString("latin1")));
    socket.on("error", () => undefined);
    // Not events.once(socket, "close"): that rejects on an 'error' first, and a server cutting a
    // client that is still writing can answer with a reset (ECONNRESET) before the close.
    const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(received)));
    await once(socket, "connect");
    return { socket, closed };
  }

  it("disconnects a slowloris client that dribbles its headers and never finishes (408)", async () => {
    const { url } = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const { socket, closed } = await rawSocket(url);
    const headers = `POST / HTTP/1.1\r\nhost: x\r\n${"x-slow: ".padEnd(10_000, "a")}`;
    let i = 0;
    const dribble = setInterval(() => {
      if (!socket.destroyed) socket.write(headers[i++ % headers.length]!);
    }, 10);
    try {
      expect(await closed).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(dribble);
    }
    expect(i).toBeGreaterThan(3); // it really was dribbling while it was cut
  });

  it("answers headers over Node's limit with 431 and a malformed request line with 400, then closes", async () => {
    const { url, messages } = await start();
    const big = await rawSocket(url);
    big.socket.write(`POST / HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(await big.closed).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    const bad = await rawSocket(url);
    bad.socket.write("NOT HTTP AT ALL\r\n\r\n");
    expect(await bad.closed).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(messages).toHaveLength(0);
  });

  it("disconnects a client that sends its headers but dribbles the body past the request timeout", async () => {
    const { url, messages } = await start({ headersTimeoutMs: 200, requestTimeoutMs: 400 });
    const { socket, closed } = await rawSocket(url);
    socket.write(
      `POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n${Object.entries(signed(BODY))
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("")}\r\n`,
    );
    const dribble = setInterval(() => {
      if (!socket.destroyed) socket.write("a");
    }, 10);
    try {
      await closed;
    } finally {
      clearInterval(dribble);
    }
    expect(messages).toHaveLength(0);
  });

  it("closes the connection past the cap at once and keeps serving the ones within it", async () => {
    const cap = 3;
    const { url } = await start({ maxConnections: cap });
    const accepted = [];
    for (let n = 0; n < cap; n++) {
      const seen = once(server!.server, "connection");
      accepted.push(await rawSocket(url));
      await seen;
    }
    const dropped = once(server!.server, "drop");
    const extra = await rawSocket(url);
    await dropped;
    await extra.closed;
    // The ones within the cap still get answers.
    const first = accepted[0]!;
    first.socket.end("GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    expect(await first.closed).toMatch(/^HTTP\/1\.1 200 /);
    for (const a of accepted) a.socket.destroy();
  });

  it("close() resolves although a client never finishes its request (Node stops the timeouts at close)", async () => {
    const { url } = await start({ closeGraceMs: 200 });
    const silent = await rawSocket(url);
    silent.socket.write("PO"); // two bytes of a request line, then silence
    const dribbling = await rawSocket(url);
    dribbling.socket.write("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n");
    const dribble = setInterval(() => {
      if (!dribbling.socket.destroyed) dribbling.socket.write("a");
    }, 10);
    try {
      await server!.close();
      server = null;
      await Promise.all([silent.closed, dribbling.closed]);
    } finally {
      clearInterval(dribble);
    }
  });

  it("rejects impossible limits with a typed error", async () => {
    await expect(start({ maxConnections: 0 })).rejects.toBeInstanceOf(InboundReceiverOptionsError);
    await expect(start({ closeGraceMs: 0 })).rejects.toBeInstanceOf(InboundReceiverOptionsError);
    await expect(start({ headersTimeoutMs: 2_000, requestTimeoutMs: 1_000 })).rejects.toMatchObject(
      { code: "RECEIVER_BAD_OPTION" },
    );
  });
});
