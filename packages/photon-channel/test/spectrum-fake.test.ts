import { readFileSync } from "node:fs";
import { connect } from "node:tls";
import { status } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SpectrumFake } from "../src/testing/index.js";
import {
  TEST_CA_CERT_PEM,
  TEST_SERVER_CERT_PEM,
  TEST_SERVER_KEY_PEM,
} from "../src/testing/test-ca.js";
import {
  bearer,
  issueToken,
  rawClients,
  readFrames,
  serverStream,
  unary,
  type RawClients,
} from "./raw-imessage-client.js";

// The fake checked through the layer beneath the SDK: a plain grpc-js client built from the same
// .proto files, and plain HTTPS, both trusting only the committed test CA.

let fake: SpectrumFake;
let clients: RawClients;
let token: string;

beforeEach(async () => {
  fake = await SpectrumFake.start({ heartbeatIntervalMs: 50 });
  clients = rawClients(fake.imessageAddress, fake.caCertPem);
  const issued = await issueToken(
    fake.cloudUrl,
    fake.projectId,
    fake.projectSecret,
    fake.caCertPem,
  );
  token = String((issued.body["data"] as Record<string, unknown>)["token"]);
});

afterEach(async () => {
  clients.close();
  await fake.close();
});

describe("test CA", () => {
  it("the embedded PEMs are the committed files under test-ca/", () => {
    const file = (name: string): string =>
      readFileSync(new URL(`../test-ca/${name}`, import.meta.url), "utf8");
    expect(TEST_CA_CERT_PEM).toBe(file("ca.pem"));
    expect(TEST_SERVER_CERT_PEM).toBe(file("server.pem"));
    expect(TEST_SERVER_KEY_PEM).toBe(file("server-key.pem"));
  });

  it("a TLS client that does not trust the test CA is refused", async () => {
    const [host, port] = fake.imessageAddress.split(":");
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({
        host,
        port: Number(port),
        servername: "localhost",
        ALPNProtocols: ["h2"],
      });
      socket.once("secureConnect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(outcome).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|unable to verify/i);
  });
});

describe("control plane", () => {
  it("issues a shared token for the project's Basic credentials and refuses wrong ones", async () => {
    const good = await issueToken(
      fake.cloudUrl,
      fake.projectId,
      fake.projectSecret,
      fake.caCertPem,
    );
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ succeed: true, data: { type: "shared", expiresIn: 3600 } });
    const bad = await issueToken(fake.cloudUrl, fake.projectId, "wrong", fake.caCertPem);
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ succeed: false });
    expect(JSON.stringify(fake.controlRequests)).not.toContain(fake.projectSecret);
  });

  it("answers 429 with Spectrum's envelope when rate-limited, then recovers", async () => {
    fake.rateLimitControlPlane(1);
    expect(
      (await issueToken(fake.cloudUrl, fake.projectId, fake.projectSecret, fake.caCertPem)).status,
    ).toBe(429);
    expect(
      (await issueToken(fake.cloudUrl, fake.projectId, fake.projectSecret, fake.caCertPem)).status,
    ).toBe(200);
  });
});

describe("iMessage gRPC", () => {
  it("refuses calls without a valid bearer token", async () => {
    await expect(
      unary(
        clients.messages,
        "SendTextMessage",
        { chatGuid: "any;-;+15550000001", text: "x" },
        bearer("nope"),
      ),
    ).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    fake.revokeTokens();
    await expect(
      unary(
        clients.messages,
        "SendTextMessage",
        { chatGuid: "any;-;+15550000001", text: "x" },
        bearer(token),
      ),
    ).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    expect(fake.sends).toHaveLength(0);
  });

  it("streams pushed events with their sequence, and heartbeats until they are stopped", async () => {
    const stream = serverStream(clients.messages, "SubscribeMessageEvents", {}, bearer(token));
    await fake.waitForStreams(1);
    const pushed = fake.push({ type: "text", from: "+15550000001", text: "hi" });
    const { frames } = await readFrames(stream, 3);
    const event = frames.find((frame) => frame["messageChanged"]);
    expect(event?.["sequence"]).toBe(pushed.sequence);
    expect(event?.["messageChanged"]).toMatchObject({
      chatGuid: "any;-;+15550000001",
      messageReceived: { message: { guid: pushed.messageGuid, content: { text: "hi" } } },
    });
    expect(frames.some((frame) => frame["heartbeat"])).toBe(true);

    fake.setHeartbeats(false);
    // A heartbeat already in flight may still land during the first period; after that, none.
    await fake.waitForHeartbeatPeriods(1);
    const after: Record<string, unknown>[] = [];
    stream.on("data", (frame: Record<string, unknown>) => after.push(frame));
    await fake.waitForHeartbeatPeriods(3);
    expect(after.filter((frame) => frame["heartbeat"])).toEqual([]);
    fake.setHeartbeats(true);
    await new Promise<void>((resolve) => stream.once("data", () => resolve()));
    expect(after.at(-1)).toEqual(expect.objectContaining({ heartbeat: {} }));
    stream.cancel();
  });

  it("drops streams with UNAVAILABLE", async () => {
    const stream = serverStream(clients.messages, "SubscribeMessageEvents", {}, bearer(token));
    await fake.waitForStreams(1);
    const reading = readFrames(stream);
    expect(fake.dropStreams()).toBe(1);
    const { error } = await reading;
    expect(error?.code).toBe(status.UNAVAILABLE);
    expect(fake.openStreamCount).toBe(0);
  });

  it("a frozen stream stays open but silent; the events are still in catch-up", async () => {
    const stream = serverStream(clients.messages, "SubscribeMessageEvents", {}, bearer(token));
    await fake.waitForStreams(1);
    await readFrames(stream, 1); // a heartbeat: the stream is live
    fake.freezeStreams();
    const seen: Record<string, unknown>[] = [];
    stream.on("data", (frame: Record<string, unknown>) => seen.push(frame));
    const pushed = fake.push({ type: "text", from: "+15550000001", text: "lost live" });
    const replay = await readFrames(
      serverStream(
        clients.events,
        "CatchUpEvents",
        { afterSequence: pushed.sequence - 1 },
        bearer(token),
      ),
    );
    expect(replay.frames.map((frame) => frame["sequence"])).toContain(pushed.sequence);
    expect(seen.filter((frame) => frame["messageChanged"])).toHaveLength(0);
    expect(fake.openStreamCount).toBe(1);
    stream.cancel();
  });

  it("replays events after a sequence, ending with complete{headSequence}; refuses a cursor it no longer retains", async () => {
    const first = fake.push({ type: "text", from: "+15550000001", text: "one" });
    const second = fake.push({ type: "text", from: "+15550000002", text: "two" });
    const third = fake.push({
      type: "reaction",
      from: "+15550000002",
      targetGuid: first.messageGuid,
      emoji: "🔥",
    });
    const replay = await readFrames(
      serverStream(
        clients.events,
        "CatchUpEvents",
        { afterSequence: first.sequence },
        bearer(token),
      ),
    );
    expect(replay.ended).toBe(true);
    expect(replay.frames.map((frame) => frame["sequence"] ?? frame["complete"])).toEqual([
      second.sequence,
      third.sequence,
      { headSequence: third.sequence },
    ]);
    expect(fake.catchUpRequests).toEqual([first.sequence]);

    fake.forgetEventsThrough(second.sequence);
    const refused = await readFrames(
      serverStream(
        clients.events,
        "CatchUpEvents",
        { afterSequence: first.sequence },
        bearer(token),
      ),
    );
    expect(refused.error?.code).toBe(status.FAILED_PRECONDITION);
    const fromEdge = await readFrames(
      serverStream(
        clients.events,
        "CatchUpEvents",
        { afterSequence: second.sequence },
        bearer(token),
      ),
    );
    expect(fromEdge.frames.map((frame) => frame["sequence"] ?? frame["complete"])).toEqual([
      third.sequence,
      { headSequence: third.sequence },
    ]);
  });

  it("records sends with their idempotency key; rate-limits with RESOURCE_EXHAUSTED without recording", async () => {
    const metadata = bearer(token);
    metadata.set("x-idempotency-key", "key-1");
    const response = await unary(
      clients.messages,
      "SendTextMessage",
      { chatGuid: "any;-;+15550000001", text: "hello" },
      metadata,
    );
    expect(response).toMatchObject({ message: { isFromMe: true, content: { text: "hello" } } });
    expect(fake.sends).toEqual([
      expect.objectContaining({
        method: "SendTextMessage",
        idempotencyKey: "key-1",
        outcome: "ok",
        request: expect.objectContaining({ text: "hello" }),
      }),
    ]);

    fake.rateLimit(1, { retryable: true });
    const limited = await unary(
      clients.messages,
      "SendTextMessage",
      { chatGuid: "any;-;+15550000001", text: "again" },
      bearer(token),
    ).catch((error: unknown) => error);
    expect(limited).toMatchObject({ code: status.RESOURCE_EXHAUSTED });
    expect(
      (limited as { metadata: { get(key: string): unknown[] } }).metadata.get("x-retryable"),
    ).toEqual(["true"]);
    expect(fake.sends).toHaveLength(1);
    expect(fake.rejected).toEqual([
      expect.objectContaining({ method: "SendTextMessage", code: status.RESOURCE_EXHAUSTED }),
    ]);
  });

  it("onCall hears each accepted call before the client has its answer, until it is stopped", async () => {
    const heard: string[] = [];
    let answered = false;
    const stop = fake.onCall((call) => {
      heard.push(`${call.method} ${String(call.request["text"])} answered=${answered}`);
    });
    await unary(
      clients.messages,
      "SendTextMessage",
      { chatGuid: "any;-;+15550000001", text: "one" },
      bearer(token),
    );
    answered = true;
    expect(heard).toEqual(["SendTextMessage one answered=false"]);
    stop();
    await unary(
      clients.messages,
      "SendTextMessage",
      { chatGuid: "any;-;+15550000001", text: "two" },
      bearer(token),
    );
    expect(heard).toHaveLength(1);
    expect(fake.sends).toHaveLength(2);
  });

  it("an ambiguous send is delivered but the client is told UNAVAILABLE", async () => {
    fake.failSendsAmbiguously(1);
    await expect(
      unary(
        clients.messages,
        "SendTextMessage",
        { chatGuid: "any;-;+15550000001", text: "maybe" },
        bearer(token),
      ),
    ).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(fake.sends).toEqual([
      expect.objectContaining({
        outcome: "ambiguous",
        request: expect.objectContaining({ text: "maybe" }),
      }),
    ]);
    await unary(
      clients.messages,
      "SendTextMessage",
      { chatGuid: "any;-;+15550000001", text: "sure" },
      bearer(token),
    );
    expect(fake.sends.map((send) => send.outcome)).toEqual(["ambiguous", "ok"]);
  });

  it("serves pushed attachments, reactions and typing through their own RPCs", async () => {
    const data = Buffer.alloc(150_000, 7);
    const pushed = fake.push({
      type: "attachment",
      from: "+15550000001",
      fileName: "photo.jpg",
      mimeType: "image/jpeg",
      data,
    });
    const stored = await unary(
      clients.messages,
      "GetMessage",
      { messageGuid: pushed.messageGuid },
      bearer(token),
    );
    const info = (
      (stored["message"] as Record<string, unknown>)["content"] as {
        attachments: Array<Record<string, unknown>>;
      }
    ).attachments[0];
    expect(info).toMatchObject({
      fileName: "photo.jpg",
      mimeType: "image/jpeg",
      totalBytes: 150_000,
    });
    const download = await readFrames(
      serverStream(
        clients.attachments,
        "DownloadAttachment",
        { attachmentGuid: info?.["guid"] },
        bearer(token),
      ),
    );
    expect(download.frames[0]).toMatchObject({ header: { attachment: { fileName: "photo.jpg" } } });
    const bytes = Buffer.concat(
      download.frames
        .filter((frame) => frame["primaryChunk"])
        .map((frame) => frame["primaryChunk"] as Buffer),
    );
    expect(bytes.equals(data)).toBe(true);

    await unary(
      clients.messages,
      "SetReaction",
      {
        target: { chatGuid: pushed.chatGuid, messageGuid: pushed.messageGuid },
        reaction: { kind: "MESSAGE_REACTION_KIND_EMOJI", emoji: "👀" },
        isSet: true,
      },
      bearer(token),
    );
    await unary(
      clients.chats,
      "SetTyping",
      { chatGuid: pushed.chatGuid, isTyping: true },
      bearer(token),
    );
    expect(fake.reactions).toEqual([
      expect.objectContaining({
        request: expect.objectContaining({
          reaction: expect.objectContaining({ kind: "MESSAGE_REACTION_KIND_EMOJI", emoji: "👀" }),
          isSet: true,
        }),
      }),
    ]);
    expect(fake.calls.map((call) => call.method)).toEqual(["SetReaction", "SetTyping"]);
    await expect(
      unary(clients.messages, "GetMessage", { messageGuid: "nope" }, bearer(token)),
    ).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it("records an attachment send with the uploaded file (5 MiB, past gRPC's default cap), and read marks", async () => {
    const chatGuid = "any;-;+15550000001";
    const data = Buffer.alloc(5 * 1024 * 1024 + 3, 9);
    const uploaded = await unary(
      clients.attachments,
      "UploadAttachment",
      { fileName: "voice.m4a", data },
      bearer(token),
    );
    const guid = (uploaded["attachment"] as { guid: string }).guid;
    const metadata = bearer(token);
    metadata.set("x-idempotency-key", "key-att");
    await unary(
      clients.messages,
      "SendAttachmentMessage",
      { chatGuid, attachment: { attachmentGuid: guid }, isAudioMessage: true },
      metadata,
    );
    await expect(
      unary(
        clients.messages,
        "SendAttachmentMessage",
        { chatGuid, attachment: { attachmentGuid: "never-uploaded" } },
        bearer(token),
      ),
    ).rejects.toMatchObject({ code: status.NOT_FOUND });
    await unary(clients.chats, "MarkChatRead", { chatGuid }, bearer(token));
    const [sent] = await fake.waitForAttachmentSends(1);
    expect(sent).toMatchObject({
      chatGuid,
      fileName: "voice.m4a",
      isAudioMessage: true,
      idempotencyKey: "key-att",
      outcome: "ok",
    });
    expect(sent?.data.equals(data)).toBe(true);
    expect(fake.attachmentSends).toHaveLength(1);
    expect(fake.readMarks).toEqual([chatGuid]);
  });
});

describe("several dedicated lines", () => {
  const A = { instanceId: "inst-a", phone: "+15557770011" };
  const B = { instanceId: "inst-b", phone: "+15557770012" };
  const C = { instanceId: "inst-c", phone: "+15557770013", issued: false };
  let lines: SpectrumFake;
  const opened: RawClients[] = [];

  beforeEach(async () => {
    lines = await SpectrumFake.start({ heartbeatIntervalMs: 50, dedicatedLines: [A, B, C] });
  });

  afterEach(async () => {
    for (const raw of opened.splice(0)) raw.close();
    await lines.close();
  });

  const tokens = async (): Promise<Record<string, unknown>> => {
    const issued = await issueToken(
      lines.cloudUrl,
      lines.projectId,
      lines.projectSecret,
      lines.caCertPem,
    );
    return issued.body["data"] as Record<string, unknown>;
  };
  const connect = (address: string): RawClients => {
    const raw = rawClients(address, lines.caCertPem);
    opened.push(raw);
    return raw;
  };

  it("serves each line on its own port, with its own tokens, sequence numbers and sends", async () => {
    const [a, b, c] = lines.lines;
    expect(a).toBe(lines);
    expect(new Set([a?.address, b?.address, c?.address]).size).toBe(3);
    expect(lines.dedicatedLineAddress).toBe(
      `inst-a=${a?.address},inst-b=${b?.address},inst-c=${c?.address}`,
    );
    const data = await tokens();
    expect(data).toMatchObject({
      type: "dedicated",
      numbers: { "inst-a": A.phone, "inst-b": B.phone },
    });
    const auth = data["auth"] as Record<string, string>;
    expect(Object.keys(auth)).toEqual(["inst-a", "inst-b"]);

    const clientB = connect(lines.line("inst-b").address);
    // A's token is not B's.
    await expect(
      unary(
        clientB.messages,
        "SendTextMessage",
        { chatGuid: "any;-;+1", text: "x" },
        bearer(auth["inst-a"] ?? ""),
      ),
    ).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await unary(
      clientB.messages,
      "SendTextMessage",
      { chatGuid: "any;-;+1", text: "on b" },
      bearer(auth["inst-b"] ?? ""),
    );
    expect(lines.line("inst-b").sends.map((s) => s.request["text"])).toEqual(["on b"]);
    expect(lines.sends).toEqual([]);

    const onA = lines.push({ type: "text", from: "+15550000001", text: "a1" });
    const onB1 = lines.line("inst-b").push({ type: "text", from: "+15550000002", text: "b1" });
    const onB2 = lines.line("inst-b").push({ type: "text", from: "+15550000002", text: "b2" });
    expect([onA.sequence, onB1.sequence, onB2.sequence]).toEqual([1, 1, 2]);
    expect(new Set([onA.messageGuid, onB1.messageGuid, onB2.messageGuid]).size).toBe(3);
    expect(() => lines.line("inst-x")).toThrow(RangeError);
  });

  it("changes the lines it issues at run time; a withdrawn line's tokens and streams end", async () => {
    const first = (await tokens())["auth"] as Record<string, string>;
    lines.issueLine("inst-c");
    expect(lines.issuedLines).toEqual(["inst-a", "inst-b", "inst-c"]);
    expect(Object.keys((await tokens())["auth"] as Record<string, string>)).toEqual([
      "inst-a",
      "inst-b",
      "inst-c",
    ]);

    const clientB = connect(lines.line("inst-b").address);
    const stream = serverStream(
      clientB.messages,
      "SubscribeMessageEvents",
      {},
      bearer(first["inst-b"] ?? ""),
    );
    await lines.line("inst-b").waitForStreams(1);
    const reading = readFrames(stream);
    const attempts = lines.line("inst-b").streamAttempts;
    lines.withdrawLine("inst-b");
    expect((await reading).error?.code).toBe(status.UNAVAILABLE);
    expect(Object.keys((await tokens())["auth"] as Record<string, string>)).toEqual([
      "inst-a",
      "inst-c",
    ]);
    const again = serverStream(
      clientB.messages,
      "SubscribeMessageEvents",
      {},
      bearer(first["inst-b"] ?? ""),
    );
    expect((await readFrames(again)).error?.code).toBe(status.UNAUTHENTICATED);
    expect(lines.line("inst-b").streamAttempts).toBe(attempts + 1);
  });
});

describe("a project that switches between the shared line and a dedicated one", () => {
  it("answers the shared line while no dedicated line is issued", async () => {
    const line = { instanceId: "inst-s", phone: "+15557770021", issued: false };
    const both = await SpectrumFake.start({ sharedLine: true, dedicatedLines: [line] });
    try {
      const data = async () =>
        (await issueToken(both.cloudUrl, both.projectId, both.projectSecret, both.caCertPem)).body[
          "data"
        ] as Record<string, unknown>;
      expect(both.lines.map((l) => l.instanceId)).toEqual([null, "inst-s"]);
      expect(both.dedicatedLineAddress).toBe(both.line("inst-s").address);
      expect(both.dedicatedLineAddress).not.toBe(both.imessageAddress);
      expect(await data()).toMatchObject({ type: "shared" });
      both.issueLine("inst-s");
      expect(await data()).toMatchObject({ type: "dedicated", numbers: { "inst-s": line.phone } });
      both.withdrawLine("inst-s");
      expect(await data()).toMatchObject({ type: "shared" });
    } finally {
      await both.close();
    }
  });
});
