import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpectrumFake } from "../src/testing/index.js";
import { SdkProcess, type SdkLine } from "./sdk-process.js";

// The built PhotonChannel on the real spectrum-ts SDK in a child process, against SpectrumFake.
// One process for the file; each test talks from its own sender and leaves no fault switched on.

const SCRIPT = "test/fixtures/channel-echo.mjs";
const ALLOWED = Array.from({ length: 16 }, (_, i) => `+1555000${1001 + i}`);
const STRANGER = "+15550009999";
const MAX = 50;

let fake: SpectrumFake;
let channel: SdkProcess;
let mediaDir: string;
const MAX_MEDIA = 5000;
let nextUser = 0;
const newUser = (): string => ALLOWED[nextUser++] ?? "";
const sendsTo = (user: string) =>
  fake.sends.filter((send) => send.request["chatGuid"] === `any;-;${user}`);
const outcome = (messageId: string) =>
  channel.waitFor(
    (line) =>
      (line.event === "sent" || line.event === "send-failed") && line["inReplyTo"] === messageId,
  );
const messageLine = (messageId: string) =>
  channel.waitFor(
    (line) =>
      line.event === "message" &&
      (line["message"] as { messageId: string }).messageId === messageId,
  );

const fileDirs: string[] = [];
/** A fresh allowed user, its DM chat and a directory for the files the test sends there. */
async function fileChat(): Promise<{ user: string; chatId: string; dir: string }> {
  const user = newUser();
  const dir = await mkdtemp(join(tmpdir(), "photon-out-"));
  fileDirs.push(dir);
  return { user, chatId: `any;-;${user}`, dir };
}
/** What became of the `sendFile` command for `path`: `file-sent` or `file-failed`. */
const fileOutcome = (path: string) =>
  channel.waitFor(
    (line) => (line.event === "file-sent" || line.event === "file-failed") && line["path"] === path,
  );

beforeAll(async () => {
  fake = await SpectrumFake.start({ heartbeatIntervalMs: 100 });
  mediaDir = join(await mkdtemp(join(tmpdir(), "photon-media-")), "cache");
  channel = await SdkProcess.start(fake, SCRIPT, {
    mediaCache: { dir: mediaDir, maxFileBytes: MAX_MEDIA },
    allowedUsers: ALLOWED.join(","),
    maxMessageLength: MAX,
    sendQueue: { ratePerSecond: 50, rateLimitInitialDelayMs: 20 },
    sendReadReceipts: true,
  });
  await fake.waitForStreams(2, 60_000);
}, 120_000);

afterAll(async () => {
  for (const dir of fileDirs) await rm(dir, { recursive: true, force: true });
  await channel?.stop();
  await fake?.close();
  if (mediaDir) await rm(join(mediaDir, ".."), { recursive: true, force: true });
});

describe("PhotonChannel on spectrum-ts against SpectrumFake", () => {
  it("hands an allowed text to the agent normalized, and sends the reply", async () => {
    const user = newUser();
    const pushed = fake.push({ type: "text", from: user, text: "hello" });
    const line = await messageLine(pushed.messageGuid);
    expect(line["message"]).toEqual({
      kind: "message",
      messageId: pushed.messageGuid,
      chatId: `any;-;${user}`,
      chatType: "dm",
      senderId: user,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      text: "hello",
      messageType: "text",
      media: [],
      replyToMessageId: null,
      promptResponse: null,
    });
    expect(await outcome(pushed.messageGuid)).toMatchObject({ event: "sent", parts: 1 });
    expect(sendsTo(user).map((send) => send.request["text"])).toEqual(["echo: hello"]);
  });

  it("never lets a sender outside the allowed users reach the agent, nor answers them", async () => {
    const user = newUser();
    const denied = fake.push({ type: "text", from: STRANGER, text: "let me in" });
    // Inbound is delivered in order: once the next allowed message is handed over, the stranger's was decided.
    const after = fake.push({ type: "text", from: user, text: "after" });
    await messageLine(after.messageGuid);
    expect(channel.lines.some((line) => JSON.stringify(line).includes(denied.messageGuid))).toBe(
      false,
    );
    expect(sendsTo(STRANGER)).toEqual([]);
    channel.send({ cmd: "health" });
    const health = (await channel.waitFor((line) => line.event === "health"))["health"] as {
      denied: number;
    };
    expect(health.denied).toBeGreaterThanOrEqual(1);
  });

  it("normalizes attachments and voice notes to media saved in the bounded cache, links to text, and tapbacks to reaction events (not answered)", async () => {
    const user = newUser();
    const bytes = Buffer.from(Array.from({ length: 1234 }, (_, i) => (i * 7) % 256));
    const photo = fake.push({
      type: "attachment",
      from: user,
      fileName: "../../etc/cat.png",
      mimeType: "image/png",
      data: bytes,
    });
    const photoMessage = (await messageLine(photo.messageGuid))["message"] as {
      media: Array<{ path: string }>;
    };
    expect(photoMessage).toMatchObject({
      messageType: "image",
      text: "",
      media: [
        {
          kind: "image",
          mimeType: "image/png",
          fileName: "../../etc/cat.png",
          size: 1234,
          notDownloaded: null,
        },
      ],
    });
    // The bytes the user sent, in the media cache, under a name that cannot leave it.
    const saved = photoMessage.media[0]?.path ?? "";
    expect(saved.startsWith(`${mediaDir}/`)).toBe(true);
    expect(saved.slice(mediaDir.length + 1)).toMatch(/^[\w.-]+cat\.png$/);
    expect((await readFile(saved)).equals(bytes)).toBe(true);
    const voice = fake.push({ type: "voice", from: user, data: Buffer.alloc(10, 2) });
    expect((await messageLine(voice.messageGuid))["message"]).toMatchObject({
      messageType: "voice",
      media: [{ kind: "voice", mimeType: "audio/x-m4a", path: expect.stringContaining(mediaDir) }],
    });
    const huge = fake.push({
      type: "attachment",
      from: user,
      fileName: "huge.bin",
      mimeType: "application/octet-stream",
      data: Buffer.alloc(MAX_MEDIA + 1),
    });
    expect((await messageLine(huge.messageGuid))["message"]).toMatchObject({
      messageType: "document",
      media: [{ path: null, notDownloaded: "too_large", size: MAX_MEDIA + 1 }],
    });
    expect(await readdir(mediaDir)).toHaveLength(2);
    const link = fake.push({ type: "richlink", from: user, url: "https://example.com/x" });
    expect((await messageLine(link.messageGuid))["message"]).toMatchObject({
      messageType: "text",
      text: "https://example.com/x",
    });
    const tapback = fake.push({
      type: "reaction",
      from: user,
      targetGuid: link.messageGuid,
      kind: "love",
    });
    const reaction = await channel.waitFor(
      (line) =>
        line.event === "reaction" && (line["reaction"] as { senderId: string }).senderId === user,
    );
    expect(reaction["reaction"]).toMatchObject({
      kind: "reaction",
      emoji: "❤️",
      targetMessageId: link.messageGuid,
      chatId: tapback.chatGuid,
    });
    await outcome(link.messageGuid);
    const texts = sendsTo(user).map((send) => String(send.request["text"]));
    expect(texts.some((text) => text.includes("❤️"))).toBe(false);
  });

  it("splits a long reply into parts within the cap, sent in order", async () => {
    const user = newUser();
    const pushed = fake.push({ type: "text", from: user, text: "long:180" });
    const result = await outcome(pushed.messageGuid);
    const parts = sendsTo(user).map((send) => String(send.request["text"]));
    expect(result).toMatchObject({ event: "sent", parts: parts.length });
    expect(parts.length).toBeGreaterThanOrEqual(4);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(MAX);
    const words = parts.join(" ").split(" ");
    expect(words).toEqual(words.map((_, i) => `w${i}`).slice(0, words.length));
  });

  it("waits out RESOURCE_EXHAUSTED and delivers every part: delayed, not dropped", async () => {
    const user = newUser();
    const rejectedBefore = fake.rejected.length;
    fake.rateLimit(3);
    const pushed = fake.push({ type: "text", from: user, text: "long:120" });
    expect(await outcome(pushed.messageGuid)).toMatchObject({ event: "sent" });
    expect(fake.rejected.length - rejectedBefore).toBe(3);
    const parts = sendsTo(user).map((send) => String(send.request["text"]));
    expect(parts.join(" ").split(" ")).toEqual(
      parts
        .join(" ")
        .split(" ")
        .map((_, i) => `w${i}`),
    );
  });

  it("reports an ambiguous send and never resends it", async () => {
    const user = newUser();
    fake.failSendsAmbiguously(1);
    const pushed = fake.push({ type: "text", from: user, text: "maybe" });
    expect(await outcome(pushed.messageGuid)).toMatchObject({
      event: "send-failed",
      name: "PhotonSendError",
      code: "ambiguous",
      sentParts: 0,
    });
    const next = fake.push({ type: "text", from: user, text: "next" });
    expect(await outcome(next.messageGuid)).toMatchObject({ event: "sent" });
    expect(sendsTo(user).map((send) => [send.request["text"], send.outcome])).toEqual([
      ["echo: maybe", "ambiguous"],
      ["echo: next", "ok"],
    ]);
  });

  it("answers a message the service delivers twice only once", async () => {
    const user = newUser();
    const first = fake.push({ type: "text", from: user, text: "once" });
    const between = fake.push({ type: "text", from: user, text: "between" });
    await outcome(between.messageGuid);
    // (The SDK itself drops only an immediate repeat of the event it delivered last.)
    fake.redeliver(first.sequence);
    const next = fake.push({ type: "text", from: user, text: "then this" });
    await outcome(next.messageGuid);
    expect(sendsTo(user).map((send) => send.request["text"])).toEqual([
      "echo: once",
      "echo: between",
      "echo: then this",
    ]);
    channel.send({ cmd: "health" });
    const health = (
      await channel.waitFor(
        (line) =>
          line.event === "health" &&
          ((line["health"] as { duplicates: number }).duplicates ?? 0) > 0,
      )
    )["health"];
    expect(health).toMatchObject({ state: "running", duplicates: 1 });
  });

  it("in a group, hands over only messages that address the agent, and answers in the group", async () => {
    const user = newUser();
    const chatGuid = "any;+;chat-team-1";
    const chatter = fake.push({ type: "text", from: user, chatGuid, text: "lunch at noon?" });
    const addressed = fake.push({
      type: "text",
      from: user,
      chatGuid,
      text: "Hermes, what is 2+2?",
    });
    const line = await messageLine(addressed.messageGuid);
    expect(line["message"]).toMatchObject({
      chatId: chatGuid,
      chatType: "group",
      text: "Hermes, what is 2+2?",
    });
    expect(channel.lines.some((l) => JSON.stringify(l).includes(chatter.messageGuid))).toBe(false);
    await outcome(addressed.messageGuid);
    expect(
      fake.sends
        .filter((send) => send.request["chatGuid"] === chatGuid)
        .map((send) => send.request["text"]),
    ).toEqual(["echo: Hermes, what is 2+2?"]);
  });

  it("marks the chat read after handing a message over, and skips a typing start within the cooldown", async () => {
    const user = newUser();
    const pushed = fake.push({ type: "text", from: user, text: "read me" });
    await fake.waitForCall(
      (call) => call.method === "MarkChatRead" && call.request["chatGuid"] === pushed.chatGuid,
      30_000,
    );
    channel.send({ cmd: "typing", chatId: pushed.chatGuid });
    expect(
      await channel.waitFor((l) => l.event === "typing" && l["chatId"] === pushed.chatGuid),
    ).toMatchObject({ sent: true });
    channel.send({ cmd: "typing", chatId: pushed.chatGuid });
    await channel.waitFor(
      (l) => l.event === "typing" && l["chatId"] === pushed.chatGuid && l["sent"] === false,
    );
    expect(
      fake.calls.filter(
        (call) => call.method === "SetTyping" && call.request["chatGuid"] === pushed.chatGuid,
      ),
    ).toHaveLength(1);
  });

  it("renders the agent's markdown to plain text before the length cap (link URLs kept)", async () => {
    const user = newUser();
    const pushed = fake.push({
      type: "text",
      from: user,
      text: "**bold** _it_ `x*y` [docs](https://e.x/a_b) **!**",
    });
    await outcome(pushed.messageGuid);
    // Rendered first, then cut at the cap (50): the raw reply (55) would have been split in two.
    expect(sendsTo(user).map((send) => send.request["text"])).toEqual([
      "echo: bold it x*y docs (https://e.x/a_b) !",
    ]);
  });

  it("sends a file as an attachment (UploadAttachment + SendAttachmentMessage) and then its caption; an m4a voice note as a voice message, other audio as a file", async () => {
    const { user, chatId, dir } = await fileChat();
    const chart = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 13) % 256));
    const m4a = Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from("ftypM4A "), chart]);
    const files = {
      chart: join(dir, "chart.png"),
      note: join(dir, "note.m4a"),
      ogg: join(dir, "note.ogg"),
    };
    await writeFile(files.chart, chart);
    await writeFile(files.note, m4a);
    await writeFile(files.ogg, Buffer.from("OggS\0\x02not-really-opus"));
    const sendFile = (path: string, extra: Record<string, unknown>) => {
      channel.send({ cmd: "sendFile", chatId, path, ...extra });
      return fileOutcome(path);
    };
    expect(
      await sendFile(files.chart, { kind: "image", mimeType: "image/png", caption: "**Q3**" }),
    ).toMatchObject({ event: "file-sent", sentAs: "attachment", parts: 2 });
    expect(await sendFile(files.note, { kind: "voice" })).toMatchObject({
      event: "file-sent",
      sentAs: "voice",
      parts: 1,
    });
    expect(await sendFile(files.ogg, { kind: "voice" })).toMatchObject({
      event: "file-sent",
      sentAs: "attachment",
    });
    const sent = fake.attachmentSends.filter((a) => a.chatGuid === chatId);
    expect(sent.map((a) => [a.fileName, a.isAudioMessage, a.outcome])).toEqual([
      ["chart.png", false, "ok"],
      ["note.m4a", true, "ok"],
      ["note.ogg", false, "ok"],
    ]);
    expect(sent[0]?.data.equals(chart)).toBe(true);
    expect(sent[1]?.data.equals(m4a)).toBe(true);
    expect(sent[0]?.idempotencyKey).toEqual(expect.any(String));
    // The caption follows its file, rendered like any text.
    expect(sendsTo(user).map((s) => [s.method, s.request["text"] ?? null])).toEqual([
      ["SendAttachmentMessage", null],
      ["SendTextMessage", "Q3"],
      ["SendAttachmentMessage", null],
      ["SendAttachmentMessage", null],
    ]);
  });

  it("sends a file larger than gRPC's default 4 MiB message whole (one UploadAttachment, as Photon's client allows)", async () => {
    const { chatId, dir } = await fileChat();
    const path = join(dir, "scan.pdf");
    const bytes = Buffer.alloc(5 * 1024 * 1024 + 17, 0x5a);
    await writeFile(path, bytes);
    channel.send({ cmd: "sendFile", chatId, path, kind: "document" });
    expect(await fileOutcome(path)).toMatchObject({ event: "file-sent", sentAs: "attachment" });
    const [sent] = fake.attachmentSends.filter((a) => a.chatGuid === chatId);
    expect(sent?.data.equals(bytes)).toBe(true);
  });

  it("refuses a missing or oversized file before anything is sent", async () => {
    const { user, chatId, dir } = await fileChat();
    const big = join(dir, "big.bin");
    await writeFile(big, Buffer.alloc(11));
    const refused = (path: string) =>
      channel.waitFor((l) => l.event === "file-refused" && l["path"] === path);
    channel.send({ cmd: "sendFile", chatId, path: join(dir, "missing.png") });
    expect(await refused(join(dir, "missing.png"))).toMatchObject({ code: "MEDIA_FILE" });
    channel.send({ cmd: "sendFile", chatId, path: big, maxBytes: 10 });
    expect(await refused(big)).toMatchObject({ code: "MEDIA_TOO_LARGE" });
    expect(sendsTo(user)).toEqual([]);
  });

  it("waits out a rate-limited upload; reports an ambiguous attachment send and resends neither it nor its caption", async () => {
    const { user, chatId, dir } = await fileChat();
    const first = join(dir, "first.pdf");
    const second = join(dir, "second.pdf");
    await writeFile(first, "%PDF first");
    await writeFile(second, "%PDF second");
    fake.rateLimit(2);
    channel.send({ cmd: "sendFile", chatId, path: first, kind: "document" });
    expect(await fileOutcome(first)).toMatchObject({ event: "file-sent", sentAs: "attachment" });
    // Refused before anything happened, so run again: delayed, not dropped.
    expect(fake.rejected.filter((r) => r.method === "UploadAttachment")).toHaveLength(2);
    fake.failSendsAmbiguously(1);
    channel.send({ cmd: "sendFile", chatId, path: second, kind: "document", caption: "later" });
    expect(await fileOutcome(second)).toMatchObject({
      event: "file-failed",
      name: "PhotonSendError",
      code: "ambiguous",
    });
    expect(
      fake.attachmentSends.filter((a) => a.chatGuid === chatId).map((a) => [a.fileName, a.outcome]),
    ).toEqual([
      ["first.pdf", "ok"],
      ["second.pdf", "ambiguous"],
    ]);
    expect(sendsTo(user).filter((s) => s.method === "SendTextMessage")).toEqual([]);
  });

  it("markRead(chat, message) marks the chat read through the SDK; an unknown message is a quiet false", async () => {
    const user = newUser();
    const pushed = fake.push({ type: "text", from: user, text: "mark me later" });
    // sendReadReceipts is on in this process: the hand-over marks it once.
    await fake.waitForCall(
      (call) => call.method === "MarkChatRead" && call.request["chatGuid"] === pushed.chatGuid,
    );
    const marksOfChat = () => fake.readMarks.filter((chat) => chat === pushed.chatGuid).length;
    expect(marksOfChat()).toBe(1);
    channel.send({ cmd: "markRead", chatId: pushed.chatGuid, messageId: pushed.messageGuid });
    expect(
      await channel.waitFor((l) => l.event === "marked" && l["messageId"] === pushed.messageGuid),
    ).toMatchObject({ marked: true });
    channel.send({ cmd: "markRead", chatId: pushed.chatGuid, messageId: "no-such-message" });
    expect(
      await channel.waitFor((l) => l.event === "marked" && l["messageId"] === "no-such-message"),
    ).toMatchObject({ marked: false });
    expect(marksOfChat()).toBe(2);
  });

  it("never prints the project secret", () => {
    expect(channel.allOutput).not.toContain(fake.projectSecret);
    expect(
      channel.lines.filter((line: SdkLine) => JSON.stringify(line).includes(fake.projectSecret)),
    ).toEqual([]);
  });
});

describe("PhotonChannel start failures, classified and without secrets", () => {
  it("wrong project secret → auth_or_config; a rate-limited control plane → rate_limited", async () => {
    const spectrum = await SpectrumFake.start();
    const wrongSecret = "wrong-secret-value-0123456789abcdef";
    const failed = await SdkProcess.start(
      spectrum,
      SCRIPT,
      { projectSecret: wrongSecret, allowedUsers: [] },
      (line) => line.event === "start-failed",
    );
    try {
      expect(failed.lines.find((line) => line.event === "start-failed")).toMatchObject({
        name: "PhotonSendError",
        code: "auth_or_config",
        state: "failed",
      });
      expect(failed.allOutput).not.toContain(wrongSecret);
      expect(failed.allOutput).not.toContain(spectrum.projectSecret);
    } finally {
      await failed.stop();
    }
    spectrum.rateLimitControlPlane(1);
    const limited = await SdkProcess.start(
      spectrum,
      SCRIPT,
      { allowedUsers: [] },
      (line) => line.event === "start-failed",
    );
    try {
      expect(limited.lines.find((line) => line.event === "start-failed")).toMatchObject({
        code: "rate_limited",
      });
    } finally {
      await limited.stop();
      await spectrum.close();
    }
  });
});
