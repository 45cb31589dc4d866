// The iMessage channel's turn handling while the disk under HERMES_HOME is full
// (test/support/full-disk-fs.ts: writes to the journal fail with ENOSPC while `disk.full`): a
// message is answered without its crash-safe record (refused, the channel would log it and
// never deliver it again), and the journal takes writes again by itself once there is room.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PhotonInboundMessage } from "@hermes/photon-channel";
import { eventually } from "@hermes/vitest-config/eventually";
import { afterEach, expect, it, vi } from "vitest";

const disk = vi.hoisted(() => ({ full: false, room: 0, fds: new Set<number>(), failures: 0 }));

vi.mock("node:fs", async (importOriginal) => {
  const { fullDiskFs } = await import("../../test/support/full-disk-fs.js");
  return fullDiskFs(await importOriginal<typeof import("node:fs")>(), disk);
});

const { PhotonRuntime } = await import("./photon-runtime.js");
const { journalPath, TurnJournal } = await import("../turns/journal.js");
const { TurnScheduler } = await import("../turns/scheduler.js");
const { echoAgent } = await import("../agent/echo.js");
const { resolveConfig } = await import("../config/resolve.js");
const { NO_METRICS } = await import("../ops/metrics-events.js");
const { capturedLogger } = await import("../../test/support/captured-log.js");

const cleanups: (() => void)[] = [];
afterEach(() => {
  disk.full = false;
  for (const c of cleanups.splice(0).reverse()) c();
});

const message = (text: string, id: string): PhotonInboundMessage =>
  ({
    kind: "message",
    chatId: "any;-;+15550001234",
    messageId: id,
    sender: "+15550001234",
    text,
    messageType: "text",
    media: [],
    replyToMessageId: null,
    promptResponse: null,
  }) as unknown as PhotonInboundMessage;

it("answers iMessages while its journal cannot be written, and records again once there is room", async () => {
  const home = mkdtempSync(join(tmpdir(), "photon-full-"));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const config = resolveConfig({
    env: { HERMES_HOME: home, GATEWAY_AGENT: "echo", PHOTON_WORKING_TAPBACKS: "0" },
    readFile: () => null,
  });
  const { log, lines } = capturedLogger([]);
  const path = journalPath(home, "photon-p1");
  const { journal } = TurnJournal.open<never>(path, {
    onTrouble: (failure) =>
      failure === null
        ? log.info("writable again")
        : log.error({ err: failure.summary }, "cannot be written"),
  });
  cleanups.push(() => journal.close());
  const sent: string[] = [];
  const channel = {
    sendText: (_chat: string, text: string) => {
      sent.push(text);
      return Promise.resolve();
    },
    setTyping: () => Promise.resolve(),
    react: () => Promise.resolve(),
    markRead: () => Promise.resolve(),
  };
  // The runtime as start() makes it, with a channel that records what it is asked to send.
  type Runtime = { onMessage(message: PhotonInboundMessage): Promise<void> };
  const Ctor = PhotonRuntime as unknown as new (...args: unknown[]) => Runtime;
  const runtime = new Ctor(
    {
      config,
      log,
      env: {},
      agent: echoAgent(),
      scheduler: new TurnScheduler(),
      journal: true,
      metrics: () => NO_METRICS,
    },
    channel,
    journal,
  );

  await runtime.onMessage(message("before", "m0"));
  await eventually(() => sent.includes("before"), "the first reply");

  disk.full = true;
  // The first record that cannot be written: taken, its record held; answered, not refused.
  await expect(runtime.onMessage(message("first while full", "m1"))).resolves.toBeUndefined();
  await eventually(() => sent.includes("first while full"), "a reply while full");
  expect(journal.failure).not.toBeNull();
  // Later ones are refused by the journal: answered without their record.
  await expect(runtime.onMessage(message("second while full", "m2"))).resolves.toBeUndefined();
  await eventually(() => sent.includes("second while full"), "another reply while full");

  disk.full = false;
  await eventually(() => journal.failure === null, "the journal writable again");
  await runtime.onMessage(message("after", "m3"));
  await eventually(() => sent.includes("after"), "a reply after");
  expect(sent.filter((t) => t.endsWith("while full"))).toHaveLength(2);
  expect(lines.some((l) => l.includes("cannot be written"))).toBe(true);
  await journal.durable();
  journal.close();
  const reopened = TurnJournal.open<never>(path);
  cleanups.push(() => reopened.journal.close());
  expect(reopened.skippedLines).toBe(0);
  expect(reopened.unfinished).toEqual([]);
  for (const id of ["m0", "m1", "m3"])
    expect(reopened.journal.state(`imessage:any;-;+15550001234:${id}`), id).toBe("finished");
});
