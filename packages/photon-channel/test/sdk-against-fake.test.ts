import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SpectrumFake } from "../src/testing/index.js";
import { SdkProcess } from "./sdk-process.js";

// The unmodified spectrum-ts 12.8.0 (loaded with import() in a child process, as an app would)
// against SpectrumFake: the SDK reads SPECTRUM_CLOUD_URL / SPECTRUM_IMESSAGE_ADDRESS and grpc-js
// reads GRPC_DEFAULT_SSL_ROOTS_FILE_PATH when they load, so the endpoints and the test CA can
// only be given to a fresh process. These tests also pin down the SDK behaviours the channel
// has to build around (no heartbeat watchdog, no retry on RESOURCE_EXHAUSTED).

const SCRIPT = "test/fixtures/sdk-echo.mjs";
const USER = "+15557654321";

let fake: SpectrumFake;
let sdk: SdkProcess;

beforeEach(async () => {
  fake = await SpectrumFake.start({ heartbeatIntervalMs: 100 });
  sdk = await SdkProcess.start(fake, SCRIPT);
  // A shared line opens the message and the poll stream.
  await fake.waitForStreams(2);
});

afterEach(async () => {
  await sdk.stop();
  await fake.close();
});

describe("spectrum-ts 12.8.0 against SpectrumFake", () => {
  it("gets its token from the HTTPS control plane, receives an inbound text and its reply is recorded", async () => {
    expect(fake.controlRequests.map((r) => `${r.method} ${r.path.replace(fake.projectId, "ID")} ${r.status}`)).toEqual(
      expect.arrayContaining(["GET /projects/ID/ 200", "POST /projects/ID/imessage/tokens 200"]),
    );
    expect(fake.controlRequests.filter((r) => r.authorized === false)).toEqual([]);

    const pushed = fake.push({ type: "text", from: USER, text: "hello from iMessage" });
    const inbound = await sdk.waitFor((line) => line.event === "message");
    expect(inbound).toMatchObject({ id: pushed.messageGuid, direction: "inbound", type: "text", text: "hello from iMessage", sender: USER, spaceId: `any;-;${USER}`, spaceType: "dm" });

    const [reply] = await fake.waitForSends(1);
    expect(reply).toMatchObject({ method: "SendTextMessage", outcome: "ok", request: expect.objectContaining({ chatGuid: `any;-;${USER}`, text: "echo: hello from iMessage" }) });
    expect(reply?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    await sdk.waitFor((line) => line.event === "sent" && line["inReplyTo"] === pushed.messageGuid);
  });

  it("delivers attachments with their bytes, voice notes, tapbacks on earlier messages, and links (as text)", async () => {
    const photo = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
    const attachment = fake.push({ type: "attachment", from: USER, fileName: "photo.jpg", mimeType: "image/jpeg", data: photo });
    expect(await sdk.waitFor((line) => line["id"] === attachment.messageGuid)).toMatchObject({ type: "attachment", name: "photo.jpg", mimeType: "image/jpeg", size: photo.length, base64: photo.toString("base64") });

    const voice = fake.push({ type: "voice", from: USER, data: Buffer.from("not really m4a"), mimeType: "audio/x-m4a" });
    expect(await sdk.waitFor((line) => line["id"] === voice.messageGuid)).toMatchObject({ type: "voice", mimeType: "audio/x-m4a", size: 14 });

    const target = fake.push({ type: "text", from: USER, text: "react to me" });
    await sdk.waitFor((line) => line["id"] === target.messageGuid);
    fake.push({ type: "reaction", from: USER, targetGuid: target.messageGuid, emoji: "🔥" });
    expect(await sdk.waitFor((line) => line["type"] === "reaction")).toMatchObject({ emoji: "🔥", targetId: target.messageGuid, sender: USER });

    // The iMessage provider has no inbound richlink: a shared link arrives as its URL in a text.
    const link = fake.push({ type: "richlink", from: USER, url: "https://example.com/a" });
    expect(await sdk.waitFor((line) => line["id"] === link.messageGuid)).toMatchObject({ type: "text", text: "https://example.com/a" });
  });

  it("sends tapbacks and typing through SetReaction and SetTyping", async () => {
    const pushed = fake.push({ type: "text", from: USER, text: "hi" });
    await sdk.waitFor((line) => line["id"] === pushed.messageGuid);
    sdk.send({ cmd: "react", messageId: pushed.messageGuid, emoji: "👀" });
    sdk.send({ cmd: "typing", spaceId: pushed.chatGuid });
    await sdk.waitFor((line) => line.event === "reacted");
    await sdk.waitFor((line) => line.event === "typing-sent");
    expect(fake.reactions).toEqual([expect.objectContaining({ request: expect.objectContaining({ target: expect.objectContaining({ chatGuid: pushed.chatGuid, messageGuid: pushed.messageGuid }), reaction: expect.objectContaining({ emoji: "👀" }), isSet: true }) })]);
    expect(fake.calls.filter((call) => call.method === "SetTyping")).toEqual([expect.objectContaining({ request: expect.objectContaining({ chatGuid: pushed.chatGuid, isTyping: true }) })]);
  });

  it("after a dropped stream it resubscribes and catches up from the last sequence it delivered, answering each message once", async () => {
    const before = fake.push({ type: "text", from: USER, text: "before" });
    await fake.waitForSends(1);
    // Messages that arrive while the stream is dead reach only the log …
    fake.freezeStreams();
    const missed = fake.push({ type: "text", from: USER, text: "while down" });
    fake.thawStreams();
    fake.dropStreams();
    // … and come back through CatchUpEvents(after_sequence = the last delivered one).
    const [after] = await fake.waitForCatchUps(1);
    expect(after).toBe(before.sequence);
    await sdk.waitFor((line) => line["id"] === missed.messageGuid);
    const sends = await fake.waitForSends(2);
    expect(sends.map((send) => send.request["text"])).toEqual(["echo: before", "echo: while down"]);
    await fake.waitForStreams(2);
    const live = fake.push({ type: "text", from: USER, text: "live again" });
    await sdk.waitFor((line) => line["id"] === live.messageGuid);
    expect((await fake.waitForSends(3)).map((send) => send.request["text"])).toEqual(["echo: before", "echo: while down", "echo: live again"]);
    expect(sdk.lines.filter((line) => line.event === "message").map((line) => line["id"])).toEqual([before.messageGuid, missed.messageGuid, live.messageGuid]);
  });

  it("does not notice a stream that stays open but silent (no heartbeat watchdog in the SDK)", async () => {
    fake.freezeStreams();
    const lost = fake.push({ type: "text", from: USER, text: "into the void" });
    await fake.waitForHeartbeatPeriods(10);
    expect(fake.catchUpRequests).toEqual([]);
    expect(fake.openStreamCount).toBe(2);
    expect(sdk.lines.some((line) => line["id"] === lost.messageGuid)).toBe(false);
  });

  it("rejects a rate-limited send at once with RateLimitError, without retrying, even when the trailer says retryable", async () => {
    fake.rateLimit(1, { retryable: true });
    const pushed = fake.push({ type: "text", from: USER, text: "limited" });
    const failed = await sdk.waitFor((line) => line.event === "send-failed" || line.event === "sent");
    expect(failed).toMatchObject({ event: "send-failed", name: "RateLimitError", grpcCode: 8, inReplyTo: pushed.messageGuid });
    expect(fake.rejected.map((call) => call.method)).toEqual(["SendTextMessage"]);
    expect(fake.sends).toEqual([]);
  });

  it("reports an ambiguous send as a ConnectionError although the message went out, and does not resend it", async () => {
    fake.failSendsAmbiguously(1);
    const pushed = fake.push({ type: "text", from: USER, text: "maybe" });
    expect(await sdk.waitFor((line) => line.event === "send-failed" || line.event === "sent")).toMatchObject({ event: "send-failed", name: "ConnectionError", inReplyTo: pushed.messageGuid });
    // A later message proves the SDK moved on; the ambiguous one was delivered exactly once.
    const next = fake.push({ type: "text", from: USER, text: "next" });
    await sdk.waitFor((line) => line.event === "sent" && line["inReplyTo"] === next.messageGuid);
    expect(fake.sends.map((send) => [send.request["text"], send.outcome])).toEqual([["echo: maybe", "ambiguous"], ["echo: next", "ok"]]);
  });
});
