import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpectrumFake } from "../src/testing/index.js";
import { SdkProcess } from "./sdk-process.js";

// The unmodified spectrum-ts 12.8.0 (loaded with import() in a child process, as an app would)
// against SpectrumFake: the SDK reads SPECTRUM_CLOUD_URL / SPECTRUM_IMESSAGE_ADDRESS and grpc-js
// reads GRPC_DEFAULT_SSL_ROOTS_FILE_PATH when they load, so the endpoints and the test CA can
// only be given to a fresh process. These tests also pin down the SDK behaviours the channel
// has to build around (no heartbeat watchdog, no retry on RESOURCE_EXHAUSTED).
// One SDK process serves the whole file (loading the SDK is the expensive part); each test uses
// its own sender, so it only looks at its own chat's traffic, and leaves no fault switched on.

const SCRIPT = "test/fixtures/sdk-echo.mjs";
let userCounter = 0;
/** A fresh sender (and so a fresh DM chat) per test. */
const newUser = (): string => `+1555765${String(4000 + ++userCounter)}`;
const sendsTo = (user: string) =>
  fake.sends.filter((send) => send.request["chatGuid"] === `any;-;${user}`);

let fake: SpectrumFake;
let sdk: SdkProcess;

beforeAll(async () => {
  fake = await SpectrumFake.start({ heartbeatIntervalMs: 100 });
  sdk = await SdkProcess.start(fake, SCRIPT);
  // A shared line opens the message and the poll stream.
  await fake.waitForStreams(2, 60_000);
}, 120_000);

afterAll(async () => {
  await sdk?.stop();
  await fake?.close();
});

describe("spectrum-ts 12.8.0 against SpectrumFake", () => {
  it("gets its token from the HTTPS control plane, receives an inbound text and its reply is recorded", async () => {
    expect(
      fake.controlRequests.map(
        (r) => `${r.method} ${r.path.replace(fake.projectId, "ID")} ${r.status}`,
      ),
    ).toEqual(
      expect.arrayContaining(["GET /projects/ID/ 200", "POST /projects/ID/imessage/tokens 200"]),
    );
    expect(fake.controlRequests.filter((r) => r.authorized === false)).toEqual([]);

    const user = newUser();
    const pushed = fake.push({ type: "text", from: user, text: "hello from iMessage" });
    const inbound = await sdk.waitFor((line) => line["id"] === pushed.messageGuid);
    expect(inbound).toMatchObject({
      event: "message",
      direction: "inbound",
      type: "text",
      text: "hello from iMessage",
      sender: user,
      spaceId: `any;-;${user}`,
      spaceType: "dm",
    });

    const reply = await fake.waitForCall(
      (call) => call.request["chatGuid"] === `any;-;${user}`,
      30_000,
    );
    expect(reply).toMatchObject({
      method: "SendTextMessage",
      outcome: "ok",
      request: expect.objectContaining({ text: "echo: hello from iMessage" }),
    });
    expect(reply.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    await sdk.waitFor((line) => line.event === "sent" && line["inReplyTo"] === pushed.messageGuid);
  });

  it("delivers attachments with their bytes, voice notes, tapbacks on earlier messages, and links (as text)", async () => {
    const user = newUser();
    const photo = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
    const attachment = fake.push({
      type: "attachment",
      from: user,
      fileName: "photo.jpg",
      mimeType: "image/jpeg",
      data: photo,
    });
    expect(await sdk.waitFor((line) => line["id"] === attachment.messageGuid)).toMatchObject({
      type: "attachment",
      name: "photo.jpg",
      mimeType: "image/jpeg",
      size: photo.length,
      base64: photo.toString("base64"),
    });

    const voice = fake.push({
      type: "voice",
      from: user,
      data: Buffer.from("not really m4a"),
      mimeType: "audio/x-m4a",
    });
    expect(await sdk.waitFor((line) => line["id"] === voice.messageGuid)).toMatchObject({
      type: "voice",
      mimeType: "audio/x-m4a",
      size: 14,
    });

    const target = fake.push({ type: "text", from: user, text: "react to me" });
    await sdk.waitFor((line) => line["id"] === target.messageGuid);
    fake.push({ type: "reaction", from: user, targetGuid: target.messageGuid, emoji: "🔥" });
    expect(
      await sdk.waitFor((line) => line["type"] === "reaction" && line["sender"] === user),
    ).toMatchObject({ emoji: "🔥", targetId: target.messageGuid });

    // The iMessage provider has no inbound richlink: a shared link arrives as its URL in a text.
    const link = fake.push({ type: "richlink", from: user, url: "https://example.com/a" });
    expect(await sdk.waitFor((line) => line["id"] === link.messageGuid)).toMatchObject({
      type: "text",
      text: "https://example.com/a",
    });
  });

  it("sends tapbacks and typing through SetReaction and SetTyping", async () => {
    const user = newUser();
    const pushed = fake.push({ type: "text", from: user, text: "hi" });
    await sdk.waitFor((line) => line["id"] === pushed.messageGuid);
    sdk.send({ cmd: "react", messageId: pushed.messageGuid, emoji: "👀" });
    sdk.send({ cmd: "typing", spaceId: pushed.chatGuid });
    await sdk.waitFor((line) => line.event === "reacted" && line["spaceId"] === pushed.chatGuid);
    await sdk.waitFor(
      (line) => line.event === "typing-sent" && line["spaceId"] === pushed.chatGuid,
    );
    const ours = (method: string) =>
      fake.calls.filter(
        (call) => call.method === method && JSON.stringify(call.request).includes(pushed.chatGuid),
      );
    expect(ours("SetReaction")).toEqual([
      expect.objectContaining({
        request: expect.objectContaining({
          target: expect.objectContaining({
            chatGuid: pushed.chatGuid,
            messageGuid: pushed.messageGuid,
          }),
          reaction: expect.objectContaining({ emoji: "👀" }),
          isSet: true,
        }),
      }),
    ]);
    expect(ours("SetTyping")).toEqual([
      expect.objectContaining({
        request: expect.objectContaining({ chatGuid: pushed.chatGuid, isTyping: true }),
      }),
    ]);
  });

  it("rejects a rate-limited send at once with RateLimitError, without retrying, even when the trailer says retryable", async () => {
    const user = newUser();
    const rejectedBefore = fake.rejected.length;
    fake.rateLimit(1, { retryable: true });
    const pushed = fake.push({ type: "text", from: user, text: "limited" });
    const failed = await sdk.waitFor(
      (line) =>
        (line.event === "send-failed" || line.event === "sent") &&
        line["inReplyTo"] === pushed.messageGuid,
    );
    expect(failed).toMatchObject({ event: "send-failed", name: "RateLimitError", grpcCode: 8 });
    expect(fake.rejected.slice(rejectedBefore).map((call) => call.method)).toEqual([
      "SendTextMessage",
    ]);
    expect(sendsTo(user)).toEqual([]);
  });

  it("reports an ambiguous send as a ConnectionError although the message went out, and does not resend it", async () => {
    const user = newUser();
    fake.failSendsAmbiguously(1);
    const pushed = fake.push({ type: "text", from: user, text: "maybe" });
    expect(
      await sdk.waitFor(
        (line) =>
          (line.event === "send-failed" || line.event === "sent") &&
          line["inReplyTo"] === pushed.messageGuid,
      ),
    ).toMatchObject({ event: "send-failed", name: "ConnectionError" });
    // A later message proves the SDK moved on; the ambiguous one was delivered exactly once.
    const next = fake.push({ type: "text", from: user, text: "next" });
    await sdk.waitFor((line) => line.event === "sent" && line["inReplyTo"] === next.messageGuid);
    expect(sendsTo(user).map((send) => [send.request["text"], send.outcome])).toEqual([
      ["echo: maybe", "ambiguous"],
      ["echo: next", "ok"],
    ]);
  });

  it("after a dropped stream it resubscribes and catches up from the last sequence it delivered, answering each message once", async () => {
    const user = newUser();
    const before = fake.push({ type: "text", from: user, text: "before" });
    await fake.waitForCall((call) => call.request["chatGuid"] === `any;-;${user}`, 30_000);
    const catchUpsBefore = fake.catchUpRequests.length;
    // Messages that arrive while the stream is dead reach only the log …
    fake.freezeStreams();
    const missed = fake.push({ type: "text", from: user, text: "while down" });
    fake.thawStreams();
    fake.dropStreams();
    // … and come back through CatchUpEvents(after_sequence = the last delivered one).
    const catchUps = await fake.waitForCatchUps(catchUpsBefore + 1, 30_000);
    expect(catchUps.slice(catchUpsBefore)).toContain(before.sequence);
    await sdk.waitFor((line) => line["id"] === missed.messageGuid);
    await fake.waitForStreams(2, 30_000);
    const live = fake.push({ type: "text", from: user, text: "live again" });
    await sdk.waitFor((line) => line.event === "sent" && line["inReplyTo"] === live.messageGuid);
    expect(sendsTo(user).map((send) => send.request["text"])).toEqual([
      "echo: before",
      "echo: while down",
      "echo: live again",
    ]);
    const ids = [before.messageGuid, missed.messageGuid, live.messageGuid];
    expect(
      sdk.lines
        .filter((line) => line.event === "message" && ids.includes(String(line["id"])))
        .map((line) => line["id"]),
    ).toEqual(ids);
  });

  it("does not notice a stream that stays open but silent (no heartbeat watchdog in the SDK); a drop recovers it", async () => {
    const user = newUser();
    const catchUpsBefore = fake.catchUpRequests.length;
    fake.freezeStreams();
    const lost = fake.push({ type: "text", from: user, text: "into the void" });
    await fake.waitForHeartbeatPeriods(10);
    expect(fake.catchUpRequests.length).toBe(catchUpsBefore);
    expect(fake.openStreamCount).toBe(2);
    expect(sdk.lines.some((line) => line["id"] === lost.messageGuid)).toBe(false);
    // Only an ended stream makes the SDK catch up: the watchdog the channel needs must end it.
    fake.thawStreams();
    fake.dropStreams();
    await sdk.waitFor((line) => line["id"] === lost.messageGuid, 30_000);
  });
});
