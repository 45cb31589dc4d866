// hermes-gateway run with Photon enabled, as a user would run it after `hermes photon setup`:
// the BUILT bin, with only the PHOTON_* settings (project credentials in $HERMES_HOME/.env) and
// the endpoint variables the spectrum-ts SDK reads, against a SpectrumFake on 127.0.0.1. The
// real SDK runs in the gateway process. Observed from outside: replies recorded by the fake,
// files on disk, exit codes.
import { spawn, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpectrumFake } from "@hermes/photon-channel/testing";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, GatewayProcess } from "./support/gateway-process.js";

const USER = "+15550001234";
const STRANGER = "+15550009999";
const OTHER_USER = "+15550005678";
const cleanups: (() => unknown)[] = [];
const processes: GatewayProcess[] = [];
let fake: SpectrumFake | null = null;

afterEach(async () => {
  for (const p of processes.splice(0)) {
    if (fake) expect(p.raw).not.toContain(fake.projectSecret);
    p.cleanup();
  }
  for (const c of cleanups.splice(0).reverse()) await c();
  await fake?.close();
  fake = null;
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const DEDICATED = { instanceId: "inst-e2e", phone: "+15557770002" };

/**
 * A dedicated line: the fake's token endpoint answers with one, and the user points the gateway
 * at where it is served with PHOTON_DEDICATED_LINE_ADDRESS (Photon's own address by default).
 */
async function startFake(
  lines: "shared" | "dedicated" = "shared",
): Promise<{ fake: SpectrumFake; env: Record<string, string> }> {
  fake = await SpectrumFake.start({
    heartbeatIntervalMs: 200,
    ...(lines === "dedicated" ? { dedicatedLine: DEDICATED } : {}),
  });
  const caFile = await fake.writeCaFile(tempDir("photon-ca-"));
  const env = fake.sdkEnvironment(caFile);
  if (lines === "dedicated") env["PHOTON_DEDICATED_LINE_ADDRESS"] = fake.dedicatedLineAddress;
  return { fake, env };
}

/** The bin with Photon on and the credentials where `hermes photon setup` leaves them (.env). */
function gateway(
  f: SpectrumFake,
  sdkEnv: Record<string, string>,
  home: string,
  extra: Record<string, string> = {},
): GatewayProcess {
  const p = new GatewayProcess(
    ["run"],
    { ...sdkEnv, PHOTON_ENABLED: "1", PHOTON_ALLOWED_USERS: USER, ...extra },
    { ".env": `PHOTON_PROJECT_ID=${f.projectId}\nPHOTON_PROJECT_SECRET=${f.projectSecret}\n` },
    { home },
  );
  processes.push(p);
  return p;
}

const repliesTo = (f: SpectrumFake, text: string) =>
  f.sends.filter((s) => s.request["chatGuid"] === `any;-;${USER}` && s.request["text"] === text);

/** Waits until the gateway's channel runs and the SDK's two streams and the watch's are open. */
/**
 * Up: the channel running and its streams open (the SDK's message and poll streams and the
 * watch's; a dedicated line adds the SDK's group events). Before they are open a fresh install
 * has no cursor to catch up from.
 */
async function channelLive(gw: GatewayProcess, f: SpectrumFake, streams = 3): Promise<void> {
  await gw.waitForLog(
    (l) => l.msg === "photon iMessage channel running",
    "the channel running",
    90_000,
  );
  await f.waitForStreams(streams, 60_000);
}

/** Settings for an `exec:` agent that answers every message with these NDJSON events (protocol v2). */
function ndjsonAgent(events: readonly Record<string, unknown>[]): Record<string, string> {
  const file = join(tempDir("gw-photon-agent-"), "reply.ndjson");
  writeFileSync(file, events.map((e) => JSON.stringify(e)).join("\n"));
  return { GATEWAY_AGENT: `exec:cat >/dev/null; cat '${file}'`, GATEWAY_AGENT_OUTPUT: "ndjson" };
}

/**
 * Polls /healthz (GATEWAY_HEALTH_PORT) until the channel's resume cursor on disk reaches `sequence`:
 * what a restart catches up from. No event crosses the process boundary for it; a hang guard only.
 */
async function savedCursorReaches(gw: GatewayProcess, sequence: number): Promise<void> {
  const listening = await gw.waitForLog(
    (l) => l.msg === "health endpoint listening",
    "the health endpoint",
    60_000,
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const health = (await (await fetch(String(listening["url"]))).json()) as {
      photon?: { savedCursor: number | null };
    };
    const saved = health.photon?.savedCursor ?? null;
    if (saved !== null && saved >= sequence) return;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for the saved cursor to reach ${sequence} (at ${saved})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls a file the gateway writes (no event crosses the process boundary for it); a hang guard only. */
async function eventually(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("hermes-gateway run with PHOTON_ENABLED against SpectrumFake", () => {
  it(
    "an agent's prompt goes out as numbered text and the user's number comes back as promptResponse",
    { timeout: 180_000 },
    async () => {
      const { fake: f, env } = await startFake();
      // Asks when the message has no promptResponse, else answers with the chosen option's label.
      const dir = tempDir("gw-photon-agent-");
      const agent = join(dir, "prompt-agent.mjs");
      writeFileSync(
        agent,
        [
          'let raw = "";',
          'process.stdin.on("data", (b) => (raw += b));',
          'process.stdin.on("end", () => {',
          "  const e = JSON.parse(raw);",
          "  const out = e.promptResponse",
          '    ? { type: "message", text: `chose ${e.promptResponse.label}` }',
          '    : { type: "prompt", prompt_id: "p1", content: "Ship it?", options: [{ id: "y", label: "Yes" }, { id: "n", label: "No" }] };',
          '  process.stdout.write(JSON.stringify(out) + "\\n");',
          "});",
        ].join("\n"),
      );
      const gw = gateway(f, env, tempDir("gw-photon-"), {
        GATEWAY_AGENT: `exec:${process.execPath} ${agent}`,
        GATEWAY_AGENT_OUTPUT: "ndjson",
      });
      await channelLive(gw, f);
      f.push({ type: "text", from: USER, text: "deploy?" });
      const [asked] = await f.waitForSends(1, 60_000);
      expect(asked?.request["text"]).toMatch(/^Ship it\?\n\n1\. Yes\n2\. No/);
      f.push({ type: "text", from: USER, text: "2" });
      const [, answered] = await f.waitForSends(2, 60_000);
      expect(answered?.request["text"]).toBe("chose No");
      expect(await gw.stop("SIGTERM", 60_000)).toBe(0);
    },
  );

  // The SDK loads in the gateway process (seconds on a loaded machine): generous hang guards.
  it(
    "answers an allowed iMessage through the agent, and never a stranger",
    { timeout: 180_000 },
    async () => {
      const { fake: f, env } = await startFake();
      const gw = gateway(f, env, tempDir("gw-photon-"), {
        GATEWAY_HEALTH_PORT: "0",
        PHOTON_WORKING_TAPBACKS: "1",
      });
      await channelLive(gw, f);
      f.push({ type: "text", from: STRANGER, text: "let me in" });
      const hello = f.push({ type: "text", from: USER, text: "hello over iMessage" });
      const [reply] = await f.waitForSends(1, 60_000);
      expect(reply?.request).toMatchObject({
        chatGuid: `any;-;${USER}`,
        text: "hello over iMessage",
      });
      // PHOTON_WORKING_TAPBACKS: 👀 while the turn ran, then ✅ once it was answered.
      await f.waitForCall(
        (c) =>
          c.method === "SetReaction" &&
          (c.request["reaction"] as { emoji?: string } | undefined)?.emoji === "✅",
        60_000,
      );
      const tapbacks = f.reactions.map((r) => [
        (r.request["target"] as { messageGuid?: string }).messageGuid,
        (r.request["reaction"] as { emoji?: string }).emoji,
      ]);
      expect(tapbacks).toEqual([
        [hello.messageGuid, "👀"],
        [hello.messageGuid, "✅"],
      ]);
      expect(f.sends.filter((s) => s.request["chatGuid"] === `any;-;${STRANGER}`)).toEqual([]);

      // /healthz and /metrics show the channel (the relay is off: readiness follows the channel).
      const listening = await gw.waitForLog(
        (l) => l.msg === "health endpoint listening",
        "the health endpoint",
      );
      const base = String(listening["url"]).replace(/\/healthz$/, "");
      const health = (await (await fetch(`${base}/healthz`)).json()) as {
        relay: unknown;
        photon: { state: string; denied: number; watch: { state: string } };
      };
      expect(health.relay).toBeNull();
      expect(health.photon).toMatchObject({ state: "running", watch: { state: "live" } });
      expect(health.photon.denied).toBeGreaterThanOrEqual(1);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('hermes_gateway_photon_channel_state{state="running"} 1');
      expect(metrics).toContain('hermes_gateway_photon_stream_state{state="live"} 1');
      expect(metrics).toMatch(/^hermes_gateway_photon_denied_total [1-9]/m);
      expect(metrics).toContain('hermes_gateway_turns_total{outcome="replied"} 1');
      expect(await gw.stop("SIGTERM", 60_000)).toBe(0);
      // JSON logs are JSON lines only: the SDK's own console logger (its "Spectrum started"
      // lines) does not write to stdout beside them.
      expect(gw.lines.filter((l) => l.level === 0).map((l) => l.msg)).toEqual([]);
      // Senders' numbers are personal data: the logs tell chats apart by their last characters.
      expect(gw.raw).not.toContain(USER);
      expect(gw.raw).not.toContain(STRANGER);
      expect(gw.lines.some((l) => l["chat"] === `any;-;…${USER.slice(-4)}`)).toBe(true);
    },
  );

  it(
    "sends the agent's media through the SDK (a file and its caption, a voice note), renders its markdown, sends a missing file's caption as text, and marks the chat read",
    { timeout: 180_000 },
    async () => {
      const { fake: f, env } = await startFake();
      const dir = tempDir("gw-photon-agent-");
      const chart = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) % 256));
      // An MPEG-4 audio header: iMessage plays it as a voice message without conversion.
      const voiceNote = Buffer.concat([
        Buffer.from([0, 0, 0, 0x20]),
        Buffer.from("ftypM4A "),
        chart,
      ]);
      writeFileSync(join(dir, "chart.png"), chart);
      writeFileSync(join(dir, "note.m4a"), voiceNote);
      const gw = gateway(f, env, tempDir("gw-photon-"), {
        ...ndjsonAgent([
          { type: "message", text: "**Here** is the [report](https://example.com/r_1):" },
          { type: "media", path: join(dir, "chart.png"), kind: "image", caption: "_Q3_ chart" },
          { type: "media", path: join(dir, "note.m4a"), kind: "voice" },
          {
            type: "media",
            path: join(dir, "gone.pdf"),
            kind: "document",
            caption: "PDF to follow",
          },
        ]),
        PHOTON_READ_RECEIPTS: "1",
      });
      await channelLive(gw, f);
      const chat = `any;-;${USER}`;
      f.push({ type: "text", from: USER, text: "send me the report" });
      await gw.waitForLog((l) => l.msg === "replied", "the turn replied", 60_000);
      expect(
        f.sends
          .filter((s) => s.request["chatGuid"] === chat)
          .map((s) => [s.method, s.request["text"] ?? null]),
      ).toEqual([
        ["SendTextMessage", "Here is the report (https://example.com/r_1):"],
        ["SendAttachmentMessage", null],
        ["SendTextMessage", "Q3 chart"],
        ["SendAttachmentMessage", null],
        ["SendTextMessage", "PDF to follow"],
      ]);
      const attachments = f.attachmentSends.filter((a) => a.chatGuid === chat);
      expect(attachments.map((a) => [a.fileName, a.isAudioMessage])).toEqual([
        ["chart.png", false],
        ["note.m4a", true],
      ]);
      expect(attachments[0]?.data.equals(chart)).toBe(true);
      expect(attachments[1]?.data.equals(voiceNote)).toBe(true);
      // The missing file: one clear line in the log, and its caption went out as text (above).
      const missing = await gw.waitForLog(
        (l) => l.msg === "agent media not uploaded; sending its caption as text",
        "the missing file logged",
      );
      expect(missing).toMatchObject({ code: "MEDIA_FILE" });
      expect(String(missing["err"])).toContain("gone.pdf");
      // PHOTON_READ_RECEIPTS: the chat was marked read once the message's turn started.
      await f.waitForCall((c) => c.method === "MarkChatRead" && c.request["chatGuid"] === chat);
      expect(f.readMarks).toEqual([chat]);
      expect(await gw.stop("SIGTERM", 60_000)).toBe(0);
    },
  );

  it(
    "PHOTON_READ_RECEIPTS marks the chat read when a message's turn starts, not while it waits behind its chat's running turn",
    { timeout: 180_000 },
    async () => {
      const { fake: f, env } = await startFake();
      const dir = tempDir("gw-photon-agent-");
      const go = join(dir, "go");
      // The agent holds its turn until the test creates `go`: no clock decides the order.
      const gw = gateway(f, env, tempDir("gw-photon-"), {
        PHOTON_ALLOWED_USERS: `${USER},${OTHER_USER}`,
        GATEWAY_AGENT: `exec:cat >/dev/null; until [ -e '${go}' ]; do sleep 0.05; done; echo done`,
        PHOTON_READ_RECEIPTS: "1",
      });
      await channelLive(gw, f);
      const chat = `any;-;${USER}`;
      const otherChat = `any;-;${OTHER_USER}`;
      f.push({ type: "text", from: USER, text: "first" });
      await f.waitForCall((c) => c.method === "MarkChatRead", 60_000);
      // The second message waits behind the first turn of its chat; the other user's starts at once.
      // Inbound is handed over in order and every call to Photon leaves through one FIFO queue, so
      // a receipt sent when the second message was taken would be recorded before the other's.
      f.push({ type: "text", from: USER, text: "second" });
      f.push({ type: "text", from: OTHER_USER, text: "other" });
      await f.waitForCall(
        (c) => c.method === "MarkChatRead" && c.request["chatGuid"] === otherChat,
        60_000,
      );
      expect(f.readMarks).toEqual([chat, otherChat]);
      writeFileSync(go, "");
      await eventually(() => f.readMarks.length === 3, "the second turn's read receipt");
      await eventually(() => repliesTo(f, "done").length === 2, "both replies in the first chat");
      expect(f.readMarks).toEqual([chat, otherChat, chat]);
      expect(await gw.stop("SIGTERM", 60_000)).toBe(0);
    },
  );

  it(
    "an ambiguous attachment send fails the turn and nothing is sent in its place or after it; PHOTON_MARKDOWN=raw sends text as written",
    { timeout: 180_000 },
    async () => {
      const { fake: f, env } = await startFake();
      const dir = tempDir("gw-photon-agent-");
      writeFileSync(join(dir, "doc.pdf"), "%PDF-1.7 body");
      const gw = gateway(f, env, tempDir("gw-photon-"), {
        ...ndjsonAgent([
          { type: "media", path: join(dir, "doc.pdf"), kind: "document", caption: "*caption*" },
          { type: "message", text: "**as written**" },
        ]),
        PHOTON_MARKDOWN: "raw",
      });
      await channelLive(gw, f);
      const chat = `any;-;${USER}`;
      const sent = () =>
        f.sends
          .filter((s) => s.request["chatGuid"] === chat)
          .map((s) => [s.method, s.outcome, s.request["text"] ?? null]);
      f.failSendsAmbiguously(1);
      f.push({ type: "text", from: USER, text: "first" });
      const failed = await gw.waitForLog((l) => l.msg === "turn failed", "the turn failed", 60_000);
      expect(failed).toMatchObject({ code: "GATEWAY_SEND_FAILED" });
      // The file may have arrived: neither it, nor its caption, nor the rest of the reply follows.
      expect(sent()).toEqual([["SendAttachmentMessage", "ambiguous", null]]);
      f.push({ type: "text", from: USER, text: "second" });
      await gw.waitForLog((l) => l.msg === "replied", "the second turn replied", 60_000);
      expect(sent()).toEqual([
        ["SendAttachmentMessage", "ambiguous", null],
        ["SendAttachmentMessage", "ok", null],
        ["SendTextMessage", "ok", "*caption*"],
        ["SendTextMessage", "ok", "**as written**"],
      ]);
      // Read receipts are off unless PHOTON_READ_RECEIPTS is set.
      expect(f.readMarks).toEqual([]);
      expect(await gw.stop("SIGTERM", 60_000)).toBe(0);
    },
  );

  it.each([
    { lines: "shared", streams: 3 },
    { lines: "dedicated", streams: 4 },
  ] as const)(
    "after kill -9 answers what arrived while it was down on a $lines line, and never answers a message twice",
    { timeout: 300_000 },
    async ({ lines, streams }) => {
      const { fake: f, env } = await startFake(lines);
      const home = tempDir("gw-photon-");
      const first = gateway(f, env, home, { GATEWAY_HEALTH_PORT: "0" });
      await channelLive(first, f, streams);
      const answered = f.push({ type: "text", from: USER, text: "before the crash" });
      await f.waitForCall((c) => c.request["text"] === "before the crash", 60_000);
      // The turn recorded finished on disk: killed before that, it would run again after the
      // restart (a crash between a send and its record answers again, as on the relay).
      const journalFile = join(
        home,
        "gateway",
        "journal",
        `${encodeURIComponent(`photon-${f.projectId}`)}.jsonl`,
      );
      const finished = JSON.stringify({ d: `imessage:any;-;${USER}:${answered.messageGuid}` });
      await eventually(
        () => existsSync(journalFile) && readFileSync(journalFile, "utf8").includes(finished),
        "the finished turn in the journal",
      );
      // The handled id is appended to the state log (folded into the snapshot at the next start).
      const stateLog = join(home, "photon", f.projectId, "inbound-state.log");
      await eventually(
        () => existsSync(stateLog) && readFileSync(stateLog, "utf8").includes(answered.messageGuid),
        "the handled id on disk",
      );
      // And the resume cursor past it. The SDK's copy and the watch's arrive on separate streams:
      // when the SDK's is handed over first, the cursor is written just after the id, not with it
      // (killed in between, a fresh install had no cursor and nothing sent while down came back).
      await savedCursorReaches(first, answered.sequence);
      first.child.kill("SIGKILL");
      await first.exited;

      const whileDown = f.push({ type: "text", from: USER, text: "while it was down" });
      f.redeliver(answered.sequence); // at-least-once: the answered one comes again
      const second = gateway(f, env, home);
      await f.waitForCall((c) => c.request["text"] === "while it was down", 90_000);
      const after = f.push({ type: "text", from: USER, text: "after the restart" });
      await f.waitForCall((c) => c.request["text"] === "after the restart", 60_000);
      expect(whileDown.sequence).toBeLessThan(after.sequence);
      // Caught up from the cursor the first run saved: the SDK itself starts from "now".
      expect(f.catchUpRequests.length).toBeGreaterThan(0);
      expect(repliesTo(f, "before the crash")).toHaveLength(1);
      expect(repliesTo(f, "while it was down")).toHaveLength(1);
      expect(repliesTo(f, "after the restart")).toHaveLength(1);
      expect(await second.stop("SIGTERM", 60_000)).toBe(0);
    },
  );

  it(
    "a turn's finished record is on disk before the chat's next reply reaches Photon (a kill re-answers at most one message per chat)",
    { timeout: 180_000 },
    async () => {
      const { fake: f, env } = await startFake();
      const home = tempDir("gw-photon-");
      const journalFile = join(
        home,
        "gateway",
        "journal",
        `${encodeURIComponent(`photon-${f.projectId}`)}.jsonl`,
      );
      // What the journal held when each reply arrived, read before the gateway has its answer.
      const heldAtReply = new Map<string, string>();
      cleanups.push(
        f.onCall((call) => {
          if (call.method === "SendTextMessage")
            heldAtReply.set(String(call.request["text"]), readFileSync(journalFile, "utf8"));
        }),
      );
      const gw = gateway(f, env, home);
      await channelLive(gw, f);
      // One chat, three messages at once: each reply waits for Photon's answer to the one
      // before, then leaves — the earlier turn's finished record must be written by then. (The
      // pacing of Photon sends usually leaves time for the record's own write at the end of the
      // next event-loop turn; the journal's beforeReply makes it hold without that timing. This
      // fails when the record waits for a later batch.)
      const pushed = new Map(
        ["first", "second", "third"].map((text) => [
          text,
          f.push({ type: "text", from: USER, text }),
        ]),
      );
      await f.waitForSends(3, 60_000);
      expect(f.sends.map((s) => s.request["text"])).toEqual(["first", "second", "third"]);
      const finished = (text: string, held: string | undefined): boolean => {
        const key = `imessage:any;-;${USER}:${pushed.get(text)?.messageGuid}`;
        return held?.split("\n").includes(JSON.stringify({ d: key })) === true;
      };
      expect(finished("first", heldAtReply.get("second"))).toBe(true);
      expect(finished("second", heldAtReply.get("third"))).toBe(true);
      // …and not the turn being answered: its record follows its reply's answer.
      expect(finished("second", heldAtReply.get("second"))).toBe(false);
      expect(finished("third", heldAtReply.get("third"))).toBe(false);
      // With no next reply, the last one is written on its own (the gateway stays idle).
      await eventually(
        () => finished("third", readFileSync(journalFile, "utf8")),
        "the last turn's finished record",
      );
      expect(await gw.stop("SIGTERM", 60_000)).toBe(0);
    },
  );

  it(
    "two dedicated lines, one added while it runs: each message answered on its own line, both in /healthz",
    { timeout: 240_000 },
    async () => {
      const A = { instanceId: "inst-e2e-a", phone: "+15557770011" };
      const B = { instanceId: "inst-e2e-b", phone: "+15557770012" };
      // Tokens live 3 s: re-issued (and the lines compared) every ~2.4 s, as Photon's are before expiry.
      const f = await SpectrumFake.start({
        heartbeatIntervalMs: 200,
        tokenTtlSeconds: 3,
        dedicatedLines: [A, { ...B, issued: false }],
      });
      fake = f;
      const env = f.sdkEnvironment(await f.writeCaFile(tempDir("photon-ca-")));
      // Each line at its own address: instanceId=host:port pairs.
      env["PHOTON_DEDICATED_LINE_ADDRESS"] = f.dedicatedLineAddress;
      const [lineA, lineB] = [f.line(A.instanceId), f.line(B.instanceId)];
      const gw = gateway(f, env, tempDir("gw-photon-"), {
        PHOTON_ALLOWED_USERS: `${USER},${OTHER_USER}`,
        GATEWAY_HEALTH_PORT: "0",
      });
      await gw.waitForLog((l) => l.msg === "photon iMessage channel running", "running", 90_000);
      await lineA.waitForStreams(4, 60_000);
      lineA.push({ type: "text", from: USER, text: "on line a" });
      await lineA.waitForCall((c) => c.request["text"] === "on line a", 60_000);

      f.issueLine(B.instanceId);
      await gw.waitForLog(
        (l) => String(l.msg).includes(`Photon issues a new line ${B.instanceId}`),
        "the new line noticed",
        90_000,
      );
      // The SDK restarted with both lines (message, poll and group streams) and the new watch.
      await lineB.waitForStreams(4, 60_000);
      lineB.push({ type: "text", from: OTHER_USER, text: "on line b" });
      const onB = await lineB.waitForCall((c) => c.request["text"] === "on line b", 60_000);
      expect(onB.request["chatGuid"]).toBe(`any;-;${OTHER_USER}`);
      expect(lineA.sends.map((s) => s.request["text"])).toEqual(["on line a"]);
      expect(lineB.sends.map((s) => s.request["text"])).toEqual(["on line b"]);

      const listening = await gw.waitForLog(
        (l) => l.msg === "health endpoint listening",
        "the health endpoint",
      );
      const base = String(listening["url"]).replace(/\/healthz$/, "");
      const health = (await (await fetch(`${base}/healthz`)).json()) as {
        photon: { lineKind: string; lines: Array<{ line: string; status: string }> };
      };
      expect(health.photon.lineKind).toBe("dedicated");
      expect(health.photon.lines.map((l) => [l.line, l.status])).toEqual([
        [A.instanceId, "served"],
        [B.instanceId, "served"],
      ]);
      expect(await gw.stop("SIGTERM", 60_000)).toBe(0);
      expect(gw.raw).not.toContain("fake_imsg_");
    },
  );

  it(
    "SIGTERM drains: a running turn still replies before the process exits 0 (the SDK's own exit-on-signal is off)",
    { timeout: 180_000 },
    async () => {
      const { fake: f, env } = await startFake();
      const gw = gateway(f, env, tempDir("gw-photon-"), {
        GATEWAY_AGENT: "exec:sleep 2; echo slow-reply",
      });
      await channelLive(gw, f);
      f.push({ type: "text", from: USER, text: "take your time" });
      // The typing indicator shows once a turn has run for 1 s: the agent is working now.
      await f.waitForCall((c) => c.method === "SetTyping", 60_000);
      expect(await gw.stop("SIGTERM", 60_000)).toBe(0);
      expect(repliesTo(f, "slow-reply")).toHaveLength(1);
      expect(gw.count("stopped")).toBe(1);
    },
  );

  it(
    "exits 2 when Photon refuses the project secret, without printing it",
    { timeout: 180_000 },
    async () => {
      const { fake: f, env } = await startFake();
      const wrong = "wrong-project-secret-0123456789";
      const gw = new GatewayProcess(
        ["run"],
        { ...env, PHOTON_ENABLED: "1" },
        { ".env": `PHOTON_PROJECT_ID=${f.projectId}\nPHOTON_PROJECT_SECRET=${wrong}\n` },
        { home: tempDir("gw-photon-") },
      );
      processes.push(gw);
      expect(await gw.exited).toBe(2);
      expect(gw.raw).toContain("Photon refused the project credentials");
      expect(gw.raw).not.toContain(wrong);
    },
  );

  it(
    "run --check --connect subscribes to the iMessage line with the channel's own check (relay off)",
    { timeout: 180_000 },
    async () => {
      const { fake: f, env } = await startFake();
      const ok = new GatewayProcess(
        ["run", "--check", "--connect"],
        { ...env, PHOTON_ENABLED: "1" },
        { ".env": `PHOTON_PROJECT_ID=${f.projectId}\nPHOTON_PROJECT_SECRET=${f.projectSecret}\n` },
        { home: tempDir("gw-photon-") },
      );
      processes.push(ok);
      expect(await ok.exited).toBe(0);
      expect(ok.raw).toMatch(/✓ Photon iMessage: shared line subscribed \(shared\) in \d+ ms/);
      expect(ok.raw).not.toContain(f.projectSecret);
      const wrong = "f".repeat(64);
      const refused = new GatewayProcess(
        ["run", "--check", "--connect"],
        { ...env, PHOTON_ENABLED: "1" },
        { ".env": `PHOTON_PROJECT_ID=${f.projectId}\nPHOTON_PROJECT_SECRET=${wrong}\n` },
        { home: tempDir("gw-photon-") },
      );
      processes.push(refused);
      expect(await refused.exited).toBe(2);
      expect(refused.raw).toContain("✗ Photon iMessage: issuing tokens failed (auth_or_config)");
      expect(refused.raw).not.toContain(wrong);
    },
  );

  it("exits 2 naming the missing credentials when Photon is enabled without a project", async () => {
    const home = tempDir("gw-photon-");
    const gw = new GatewayProcess(["run"], { PHOTON_ENABLED: "1" }, {}, { home });
    processes.push(gw);
    expect(await gw.exited).toBe(2);
    expect(gw.raw).toContain("✗ Photon is enabled but no project credentials were found");
    expect(gw.raw).toContain("run `hermes photon setup`");
    // The pre-flight refuses what `run` refuses (it used to print the settings and exit 0).
    const check = new GatewayProcess(
      ["run", "--check"],
      { PHOTON_ENABLED: "1", PHOTON_ALLOWED_USERS: "+1 (555) 555-0100, not a phone" },
      {},
      { home },
    );
    processes.push(check);
    expect(await check.exited).toBe(2);
    expect(check.raw).toContain("✗ Photon is enabled but no project credentials were found");
    // An allowlist entry the channel would ignore is said before it starts, by the channel's parser.
    expect(check.raw).toContain(
      '⚠ PHOTON_ALLOWED_USERS (from env): "not a phone" is not an E.164 number or an email address; it is ignored',
    );
    expect(check.raw).not.toContain('"+1 (555) 555-0100" is not');
    // Webhook mode without the secret that verifies deliveries: refused, not "ready" and 500s.
    const webhook = new GatewayProcess(
      ["run", "--check"],
      { PHOTON_ENABLED: "1", PHOTON_WEBHOOK_PORT: "0" },
      {},
      { home },
    );
    processes.push(webhook);
    expect(await webhook.exited).toBe(2);
    expect(webhook.raw).toContain("PHOTON_WEBHOOK_PORT (from env)");
    expect(webhook.raw).toContain("webhook mode needs PHOTON_WEBHOOK_SECRET");
  });
});

/** Photon's webhook body announcing a text message; `phone`: the line it reached (`space.phone`). */
function webhookBody(
  pushed: { chatGuid: string; messageGuid: string },
  from: string,
  text: string,
  phone?: string,
): string {
  const space = {
    id: pushed.chatGuid,
    platform: "imessage",
    type: "dm",
    ...(phone ? { phone } : {}),
  };
  return JSON.stringify({
    event: "messages",
    space,
    message: {
      id: pushed.messageGuid,
      platform: "imessage",
      direction: "inbound",
      timestamp: new Date().toISOString(),
      sender: { id: from, platform: "imessage" },
      space,
      content: { type: "text", text },
    },
  });
}

/** POSTs `body` as Photon does: signed with `secret` (unless `signature` is given), a fresh webhook id. */
function postDelivery(
  url: string,
  secret: string,
  body: string,
  signature?: string,
): Promise<Response> {
  const ts = String(Math.floor(Date.now() / 1000));
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-spectrum-event": "messages",
      "x-spectrum-webhook-id": crypto.randomUUID(),
      "x-spectrum-timestamp": ts,
      "x-spectrum-signature":
        signature ?? `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`,
    },
    body,
  });
}

describe("hermes-gateway run with PHOTON_WEBHOOK_PORT (webhook mode)", () => {
  it(
    "answers a message announced by a signed delivery once, refuses bad signatures, and opens no stream",
    { timeout: 180_000 },
    async () => {
      const { fake: f, env } = await startFake();
      const webhookSecret = "a".repeat(64);
      const home = tempDir("gw-photon-");
      const gw = new GatewayProcess(
        ["run"],
        { ...env, PHOTON_ENABLED: "1", PHOTON_ALLOWED_USERS: USER, PHOTON_WEBHOOK_PORT: "0" },
        {
          ".env": `PHOTON_PROJECT_ID=${f.projectId}\nPHOTON_PROJECT_SECRET=${f.projectSecret}\nPHOTON_WEBHOOK_SECRET=${webhookSecret}\n`,
        },
        { home },
      );
      processes.push(gw);
      const listening = await gw.waitForLog(
        (l) => l.msg === "photon webhook receiver listening",
        "the webhook receiver",
        90_000,
      );
      await gw.waitForLog(
        (l) => l.msg === "photon iMessage channel running",
        "the channel running",
        90_000,
      );
      const url = String(listening["url"]);
      // The message exists at Photon (the fake stores it); in webhook mode nothing streams it.
      const pushed = f.push({ type: "text", from: USER, text: "via webhook" });
      const body = webhookBody(pushed, USER, "via webhook");
      const deliver = (signature?: string) => postDelivery(url, webhookSecret, body, signature);
      expect((await deliver(`v0=${"0".repeat(64)}`)).status).toBe(401);
      expect((await deliver()).status).toBe(200);
      await f.waitForCall((c) => c.request["text"] === "via webhook", 60_000);
      // Photon retries (a fresh signature, a fresh webhook id): answered once all the same (the
      // signed message id is remembered before the 200 goes out).
      expect((await deliver()).status).toBe(200);
      expect(repliesTo(f, "via webhook")).toHaveLength(1);
      expect(f.openStreamCount).toBe(0);
      expect(gw.raw).not.toContain(webhookSecret);
      expect(await gw.stop("SIGTERM", 60_000)).toBe(0);
    },
  );
});

describe("hermes-gateway run with PHOTON_WEBHOOK_PORT on several dedicated lines", () => {
  it(
    "fetches each announced message from its line: the one the delivery names, else whichever has it",
    { timeout: 180_000 },
    async () => {
      const A = { instanceId: "inst-wh-a", phone: "+15557770021" };
      const B = { instanceId: "inst-wh-b", phone: "+15557770022" };
      const f = await SpectrumFake.start({ heartbeatIntervalMs: 200, dedicatedLines: [A, B] });
      fake = f;
      const env = f.sdkEnvironment(await f.writeCaFile(tempDir("photon-ca-")));
      env["PHOTON_DEDICATED_LINE_ADDRESS"] = f.dedicatedLineAddress;
      const [lineA, lineB] = [f.line(A.instanceId), f.line(B.instanceId)];
      const webhookSecret = "b".repeat(64);
      const gw = new GatewayProcess(
        ["run"],
        {
          ...env,
          PHOTON_ENABLED: "1",
          PHOTON_ALLOWED_USERS: `${USER},${OTHER_USER}`,
          PHOTON_WEBHOOK_PORT: "0",
        },
        {
          ".env": `PHOTON_PROJECT_ID=${f.projectId}\nPHOTON_PROJECT_SECRET=${f.projectSecret}\nPHOTON_WEBHOOK_SECRET=${webhookSecret}\n`,
        },
        { home: tempDir("gw-photon-") },
      );
      processes.push(gw);
      const listening = await gw.waitForLog(
        (l) => l.msg === "photon webhook receiver listening",
        "the webhook receiver",
        90_000,
      );
      await gw.waitForLog((l) => l.msg === "photon iMessage channel running", "running", 90_000);
      const url = String(listening["url"]);
      const deliver = (
        pushed: { chatGuid: string; messageGuid: string },
        from: string,
        text: string,
        phone?: string,
      ) => postDelivery(url, webhookSecret, webhookBody(pushed, from, text, phone));
      // The delivery names line B: fetched there, answered there.
      const onB = lineB.push({ type: "text", from: OTHER_USER, text: "to line b" });
      expect((await deliver(onB, OTHER_USER, "to line b", B.phone)).status).toBe(200);
      await lineB.waitForCall((c) => c.request["text"] === "to line b", 60_000);
      // A delivery without a line (the message is on A): each line is asked until one has it.
      const onA = lineA.push({ type: "text", from: USER, text: "to line a" });
      expect((await deliver(onA, USER, "to line a")).status).toBe(200);
      await lineA.waitForCall((c) => c.request["text"] === "to line a", 60_000);
      expect(lineA.sends.map((s) => s.request["text"])).toEqual(["to line a"]);
      expect(lineB.sends.map((s) => s.request["text"])).toEqual(["to line b"]);
      expect(f.openStreamCount + lineB.openStreamCount).toBe(0);
      expect(gw.raw).not.toContain(webhookSecret);
      expect(await gw.stop("SIGTERM", 60_000)).toBe(0);
    },
  );
});

describe("hermes-gateway dev --platform imessage", () => {
  it(
    "runs the real channel and SDK against an in-process Spectrum fake and prints the replies",
    { timeout: 180_000 },
    () => {
      const home = tempDir("gw-dev-imessage-");
      const r = spawnSync(
        process.execPath,
        [BIN, "dev", "--platform", "imessage", "--script", "hi", "how are you"],
        {
          env: { PATH: process.env.PATH ?? "", HERMES_HOME: home },
          encoding: "utf8",
          timeout: 170_000,
        },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain("you   › hi\nagent › hi\n");
      expect(r.stdout).toContain("you   › how are you\nagent › how are you\n");
      const bad = spawnSync(process.execPath, [BIN, "dev", "--platform", "carrier-pigeon"], {
        env: { PATH: process.env.PATH ?? "" },
        encoding: "utf8",
      });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain("--platform expects relay or imessage");
    },
  );

  it(
    "honours GATEWAY_AGENT_OUTPUT (an NDJSON agent's message and file, not its raw lines)",
    { timeout: 180_000 },
    () => {
      const dir = tempDir("gw-dev-imessage-agent-");
      writeFileSync(join(dir, "note.txt"), "a file for you");
      const events = [
        { type: "message", text: "**hello** from ndjson" },
        { type: "media", path: join(dir, "note.txt"), kind: "document" },
      ];
      writeFileSync(join(dir, "reply.ndjson"), events.map((e) => JSON.stringify(e)).join("\n"));
      const r = spawnSync(
        process.execPath,
        [BIN, "dev", "--platform", "imessage", "--script", "hi"],
        {
          env: {
            PATH: process.env.PATH ?? "",
            HERMES_HOME: tempDir("gw-dev-imessage-"),
            GATEWAY_AGENT: `exec:cat >/dev/null; cat '${join(dir, "reply.ndjson")}'`,
            GATEWAY_AGENT_OUTPUT: "ndjson",
          },
          encoding: "utf8",
          timeout: 170_000,
        },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain("agent › hello from ndjson\n");
      expect(r.stdout).toContain("agent › [file note.txt]\n");
      expect(r.stdout).not.toContain('"type"');
    },
  );

  it(
    "Ctrl-C at the prompt stops the gateway and removes the temporary home (it holds the fake project's secret)",
    { timeout: 180_000 },
    async () => {
      const tmp = tempDir("gw-dev-imessage-tmp-");
      const child = spawn(process.execPath, [BIN, "dev", "--platform", "imessage"], {
        env: {
          PATH: process.env.PATH ?? "",
          HERMES_HOME: tempDir("gw-dev-imessage-"),
          TMPDIR: tmp,
        },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let out = "";
      const connected = new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (b: Buffer) => {
          out += b.toString("utf8");
          if (out.includes("connected:")) resolve();
        });
        child.on("exit", (code) =>
          reject(new Error(`dev exited ${code} before connecting: ${out}`)),
        );
      });
      await connected;
      expect(readdirSync(tmp).some((n) => n.startsWith("hermes-dev-imessage-"))).toBe(true);
      const exited = new Promise<number | null>((resolve) =>
        child.on("exit", (code) => resolve(code)),
      );
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      expect(readdirSync(tmp).filter((n) => n.startsWith("hermes-dev-imessage-"))).toEqual([]);
    },
  );
});
