import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SpectrumFake } from "../src/testing/index.js";
import { SdkProcess } from "./sdk-process.js";

// The built PhotonChannel on the real spectrum-ts SDK in a child process against SpectrumFake,
// with the watch beneath the SDK on: zombie streams, dropped and refused streams, and restarts
// (kill -9) with the inbound state persisted in a directory — on the shared line, and on a
// dedicated line (the fake's token endpoint answers with a dedicated line; the channel hands the
// SDK that line explicitly and watches it at its own address).

const SCRIPT = "test/fixtures/channel-echo.mjs";
const USER = "+15550001001";
const CHAT = `any;-;${USER}`;
// Short deadlines so the faults are noticed quickly; nothing asserts on how long anything took.
const WATCH = {
  silenceTimeoutMs: 1500,
  deliveryGraceMs: 1000,
  initialBackoffMs: 100,
  maxBackoffMs: 500,
};

interface Health {
  pendingInbound: number;
  recovered: number;
  sdkRestarts: number;
  gaps: number;
  cursor: number | null;
  savedCursor: number | null;
  lineKind: string | null;
  lines: Array<{ line: string; cursor: number | null }>;
  watch: {
    silentEpisodes: number;
    failures: number;
    subscriptions: number;
    state: string;
    lastSequence: number | null;
  } | null;
}

const LINES = [
  // The SDK's message and poll streams, and the watch's one.
  { kind: "shared", streams: 3 },
  // A dedicated line adds the SDK's group-event stream.
  { kind: "dedicated", streams: 4 },
] as const;
const DEDICATED = { instanceId: "inst-7f3a", phone: "+15557770001" };

let line: (typeof LINES)[number] = LINES[0];
let fake: SpectrumFake;
let stateDir: string;
const processes: SdkProcess[] = [];

/** `extra`: the fixture's switches (`holdWatch`, `holdHandOverOf`) and option overrides. */
async function startChannel(extra: Record<string, unknown> = {}): Promise<SdkProcess> {
  const channel = await SdkProcess.start(fake, SCRIPT, {
    allowedUsers: USER,
    stateDir,
    watch: WATCH,
    ...extra,
    ...(line.kind === "dedicated" ? { dedicatedLineAddress: fake.dedicatedLineAddress } : {}),
    sendQueue: { ratePerSecond: 50, rateLimitInitialDelayMs: 20 },
  });
  processes.push(channel);
  return channel;
}

const health = (channel: SdkProcess): Promise<Health> => channel.health<Health>();
const healthWhen = (
  channel: SdkProcess,
  check: (h: Health) => boolean,
  timeoutMs = 60_000,
): Promise<Health> => channel.healthWhen<Health>(check, timeoutMs);

type Opened = ReadonlyArray<{ kind: string; peer: string }>;
/**
 * Whether the last message stream opened is the watch's and came after the SDK's: the SDK's
 * streams share one client (its poll stream's address), the watch's has its own.
 */
const watchOpenedLast = (opened: Opened): boolean => {
  const last = opened.at(-1);
  const sdk = opened.findLast((s) => s.kind === "poll")?.peer;
  return (
    last?.kind === "message" &&
    sdk !== undefined &&
    last.peer !== sdk &&
    opened.some((s) => s.kind === "message" && s.peer === sdk)
  );
};

const repliesTo = (text: string) =>
  fake.sends.filter(
    (send) => send.request["chatGuid"] === CHAT && send.request["text"] === `echo: ${text}`,
  );
// Hang guards only: on a loaded machine a resubscription plus an SDK restart can take a while.
const sentFor = (channel: SdkProcess, messageGuid: string) =>
  channel.waitFor((line) => line.event === "sent" && line["inReplyTo"] === messageGuid, 90_000);

describe.each(LINES)("on a $kind line", (kind) => {
  beforeEach(async () => {
    line = kind;
    fake = await SpectrumFake.start({
      heartbeatIntervalMs: 100,
      ...(kind.kind === "dedicated" ? { dedicatedLine: DEDICATED } : {}),
    });
    stateDir = await mkdtemp(join(tmpdir(), "photon-state-"));
  });

  afterEach(async () => {
    for (const channel of processes.splice(0)) await channel.stop();
    await fake.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  describe("the watch beneath the SDK", { timeout: 240_000 }, () => {
    it("opens the watch's subscription after the SDK's, at start and after the SDK restarts", async () => {
      const channel = await startChannel({ watch: { ...WATCH, startDelayMs: 3000 } });
      await fake.waitForStreams(line.streams, 60_000);
      // At start: the SDK's streams, then the watch's (a server writing to its subscribers in that
      // order writes the SDK's copy of a message first).
      const atStart = [...fake.subscriptions];
      expect(atStart).toHaveLength(line.streams);
      expect(watchOpenedLast(atStart)).toBe(true);
      const first = fake.push({ type: "text", from: USER, text: "first" });
      await sentFor(channel, first.messageGuid);

      // Silence restarts the SDK (new clients, new streams); the watch re-opens its stream after
      // the SDK's new ones, catching up from its last sequence, without counting a failure.
      fake.freezeStreams();
      await healthWhen(channel, (x) => x.sdkRestarts >= 1);
      fake.thawStreams();
      const sdkAtStart = atStart.find((s) => s.kind === "poll")?.peer;
      await fake.waitForSubscriptions(
        (opened) =>
          opened.findLast((s) => s.kind === "poll")?.peer !== sdkAtStart && watchOpenedLast(opened),
        60_000,
        "the watch's stream after the restarted SDK's",
      );
      const after = fake.push({ type: "text", from: USER, text: "after" });
      await sentFor(channel, after.messageGuid);
      expect(repliesTo("first")).toHaveLength(1);
      expect(repliesTo("after")).toHaveLength(1);
    });

    it("notices streams that stay open but silent, reconnects, and still answers what arrived meanwhile", async () => {
      const channel = await startChannel();
      await fake.waitForStreams(line.streams, 60_000);
      const first = fake.push({ type: "text", from: USER, text: "before" });
      await sentFor(channel, first.messageGuid);

      fake.freezeStreams();
      const during = fake.push({ type: "text", from: USER, text: "while silent" });
      // Nothing is written to any stream now; the watch's deadline passes, it resubscribes and
      // catches up (catch-up still answers), and the message is fetched through the SDK.
      await sentFor(channel, during.messageGuid);
      const h = await healthWhen(
        channel,
        (x) => (x.watch?.silentEpisodes ?? 0) >= 1 && x.sdkRestarts >= 1,
      );
      expect(h.recovered).toBeGreaterThanOrEqual(1);
      expect(h.lineKind).toBe(line.kind);
      expect(h.lines.map((l) => l.line)).toEqual([
        line.kind === "dedicated" ? DEDICATED.instanceId : "shared",
      ]);

      fake.thawStreams();
      const after = fake.push({ type: "text", from: USER, text: "after" });
      await sentFor(channel, after.messageGuid);
      expect(repliesTo("before")).toHaveLength(1);
      expect(repliesTo("while silent")).toHaveLength(1);
      expect(repliesTo("after")).toHaveLength(1);
    });

    it("resubscribes after dropped and refused streams, answering each message once", async () => {
      const channel = await startChannel();
      await fake.waitForStreams(line.streams, 60_000);
      // A first event gives the watch a sequence to catch up from (before any, there is none).
      const first = fake.push({ type: "text", from: USER, text: "first" });
      await sentFor(channel, first.messageGuid);
      fake.refuseSubscriptions(4);
      fake.dropStreams();
      const during = fake.push({ type: "text", from: USER, text: "during the outage" });
      await fake.waitForRefusals(4, 60_000);
      await sentFor(channel, during.messageGuid);
      await fake.waitForStreams(line.streams, 60_000);
      const after = fake.push({ type: "text", from: USER, text: "after the outage" });
      await sentFor(channel, after.messageGuid);
      const h = await health(channel);
      expect(h.watch?.failures).toBeGreaterThanOrEqual(1);
      expect(repliesTo("first")).toHaveLength(1);
      expect(repliesTo("during the outage")).toHaveLength(1);
      expect(repliesTo("after the outage")).toHaveLength(1);
    });
  });

  describe("no loss and no double answer across kill -9", { timeout: 240_000 }, () => {
    it("catches up on what arrived while down, and never answers a handled message again", async () => {
      const first = await startChannel();
      await fake.waitForStreams(line.streams, 60_000);
      const answered = fake.push({ type: "text", from: USER, text: "answered before the crash" });
      await sentFor(first, answered.messageGuid);
      // Wait until the file on disk covers it (the write runs after the reply is queued).
      await healthWhen(first, (h) => h.savedCursor !== null && h.savedCursor >= answered.sequence);
      await first.stop(); // SIGKILL
      // Appended to the state log; the snapshot gets it when the next start folds the log in.
      expect(await readFile(join(stateDir, "inbound-state.log"), "utf8")).toContain(
        answered.messageGuid,
      );

      const whileDown = fake.push({ type: "text", from: USER, text: "sent while down" });
      // At-least-once delivery may hand the answered one over again: it must not be answered twice.
      fake.redeliver(answered.sequence);

      const second = await startChannel();
      await sentFor(second, whileDown.messageGuid);
      const live = fake.push({ type: "text", from: USER, text: "after the restart" });
      await sentFor(second, live.messageGuid);
      expect(fake.catchUpRequests).toContain(answered.sequence);
      expect(repliesTo("answered before the crash")).toHaveLength(1);
      expect(repliesTo("sent while down")).toHaveLength(1);
      expect(repliesTo("after the restart")).toHaveLength(1);
    });

    // The SDK's copy of a message and the watch's arrive on different streams; under load either
    // comes first. The fixture holds the watch's copy back to make the order deterministic.
    it("when the SDK hands a message over before the watch reports it, the cursor is written as soon as the watch does", async () => {
      // Batched cursor writes never come in this test: only the prompt one can pass.
      const first = await startChannel({
        holdWatch: true,
        watch: { ...WATCH, cursorSaveDelayMs: 3_600_000 },
      });
      await fake.waitForStreams(line.streams, 60_000);
      const answered = fake.push({ type: "text", from: USER, text: "the SDK's copy first" });
      await sentFor(first, answered.messageGuid);
      // Handed over and marked handled, with no cursor: a fresh install would catch up on nothing.
      expect((await health(first)).savedCursor).toBeNull();
      first.send({ cmd: "releaseWatch" });
      await healthWhen(first, (h) => h.savedCursor !== null && h.savedCursor >= answered.sequence);
      await first.stop(); // SIGKILL

      const whileDown = fake.push({ type: "text", from: USER, text: "sent while down" });
      const second = await startChannel();
      await sentFor(second, whileDown.messageGuid);
      expect(fake.catchUpRequests).toContain(answered.sequence);
      expect(repliesTo("the SDK's copy first")).toHaveLength(1);
      expect(repliesTo("sent while down")).toHaveLength(1);
    });

    it("a message the watch reports while it is being handed over keeps the cursor below it until it is handled", async () => {
      const first = await startChannel({ gateWatch: true, holdHandOverOf: "slow" });
      await fake.waitForStreams(line.streams, 60_000);
      const earlier = fake.push({ type: "text", from: USER, text: "earlier" });
      await sentFor(first, earlier.messageGuid);
      await healthWhen(first, (h) => h.savedCursor !== null && h.savedCursor >= earlier.sequence);
      first.send({ cmd: "holdWatch" });
      await health(first); // commands are taken in order: the hold is in place
      const slow = fake.push({ type: "text", from: USER, text: "slow" });
      await first.waitFor(
        (l) => l.event === "message" && (l["message"] as { text?: string }).text === "slow",
        90_000,
      );
      first.send({ cmd: "releaseWatch" });
      const during = await healthWhen(first, (h) => (h.watch?.lastSequence ?? -1) >= slow.sequence);
      // Not handled yet: pending, so no write (batched or not) can put the cursor past it.
      expect(during.pendingInbound).toBe(1);
      expect(during.savedCursor).toBeLessThan(slow.sequence);
      await first.stop(); // SIGKILL while it is being handed over

      // Caught up after the restart and answered: the cursor on disk was below it.
      const second = await startChannel();
      await sentFor(second, slow.messageGuid);
      expect(repliesTo("earlier")).toHaveLength(1);
      expect(repliesTo("slow")).toHaveLength(1);
    });

    it("reports a gap the server cannot fill instead of hiding it", async () => {
      const first = await startChannel();
      await fake.waitForStreams(line.streams, 60_000);
      const answered = fake.push({ type: "text", from: USER, text: "one" });
      await sentFor(first, answered.messageGuid);
      await healthWhen(first, (h) => h.savedCursor !== null && h.savedCursor >= answered.sequence);
      await first.stop();
      const lost = fake.push({ type: "text", from: USER, text: "lost" });
      fake.forgetEventsThrough(lost.sequence);

      const second = await startChannel();
      const h = await healthWhen(second, (x) => x.gaps >= 1);
      expect(h.watch?.state).not.toBe("stopped");
      expect(second.stderrText).toContain(
        `no longer holds the events after sequence ${answered.sequence}`,
      );
      const live = fake.push({ type: "text", from: USER, text: "after the gap" });
      await sentFor(second, live.messageGuid);
      expect(repliesTo("lost")).toHaveLength(0);
    });
  });
});

describe("dedicated-line tokens", { timeout: 240_000 }, () => {
  beforeEach(async () => {
    line = LINES[1];
    // Tokens that expire in 2 s: the SDK holds them statically, so the channel must renew them.
    fake = await SpectrumFake.start({
      heartbeatIntervalMs: 100,
      tokenTtlSeconds: 2,
      dedicatedLine: DEDICATED,
    });
    stateDir = await mkdtemp(join(tmpdir(), "photon-state-"));
  });

  afterEach(async () => {
    for (const channel of processes.splice(0)) await channel.stop();
    await fake.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("restarts the SDK with fresh tokens before they expire, and keeps answering", async () => {
    const channel = await startChannel();
    await fake.waitForStreams(line.streams, 60_000);
    await healthWhen(channel, (h) => h.sdkRestarts >= 2);
    const issued = fake.controlRequests.filter(
      (r) => r.method === "POST" && r.path.endsWith("/imessage/tokens") && r.status === 200,
    );
    expect(issued.length).toBeGreaterThanOrEqual(3);
    const message = fake.push({ type: "text", from: USER, text: "after renewals" });
    await sentFor(channel, message.messageGuid);
    expect(repliesTo("after renewals")).toHaveLength(1);
  });
});
