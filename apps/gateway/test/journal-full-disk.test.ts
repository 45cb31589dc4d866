// The gateway while the disk under HERMES_HOME is full (test/support/full-disk-fs.ts: writes to
// the journal fail with ENOSPC while `disk.full`; a full disk cannot be made without root, so
// in-process): live messages are still answered, replayed ones stay with the connector, /readyz
// and the health snapshot say why, and once there is room again everything resumes without a
// restart.
import { eventually } from "@hermes/vitest-config/eventually";
import { afterEach, expect, it, vi } from "vitest";

const disk = vi.hoisted(() => ({ full: false, room: 0, fds: new Set<number>(), failures: 0 }));

vi.mock("node:fs", async (importOriginal) => {
  const { fullDiskFs } = await import("./support/full-disk-fs.js");
  return fullDiskFs(await importOriginal<typeof import("node:fs")>(), disk);
});

const { journalledRuntime } = await import("./support/journalled-runtime.js");
const { readinessOf } = await import("../src/ops/health.js");

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  disk.full = false;
  for (const c of cleanups.splice(0).reverse()) await c();
});

const message = (text: string, id: string) => ({
  text,
  message_id: id,
  source: { platform: "discord", chat_id: "C1", chat_type: "dm", user_id: "U1" },
});

it("answers live messages while the journal cannot be written, keeps replayed ones unacked, and resumes by itself", async () => {
  const { connector, start } = await journalledRuntime("gw-full", cleanups);
  const runtime = await start();
  const replies = (text: string) =>
    connector.outbound.filter((o) => o.action.op === "send" && o.action["content"] === text).length;
  connector.pushInbound(message("before", "m0"), { gatewayId: "gw-full" });
  await eventually(() => replies("before") === 1, "the first reply");

  disk.full = true;
  connector.pushInbound(message("while full", "m1"), { gatewayId: "gw-full" });
  await eventually(() => replies("while full") === 1, "a live message answered while full");
  const h = runtime.health();
  expect(h.journal).toEqual({ writable: false, error: expect.stringMatching(/ENOSPC/) as string });
  expect(readinessOf(h)).toEqual({
    ready: false,
    reason: expect.stringMatching(
      /^turn journal not writable: .*\(ENOSPC\); the file system holding HERMES_HOME is full$/,
    ) as string,
  });
  // A replayed message is not taken while its record cannot be written: the connector keeps it.
  connector.dropConnections();
  await eventually(() => !connector.isConnected("gw-full"), "the link down");
  const pushed = connector.pushInbound(message("buffered while full", "m2"), {
    gatewayId: "gw-full",
  });
  expect(pushed.delivered).toBe("buffered");
  await eventually(() => connector.isConnected("gw-full"), "the re-dial");
  connector.pushInbound(message("live after the re-dial", "m3"), { gatewayId: "gw-full" });
  await eventually(() => replies("live after the re-dial") === 1, "the next live reply");
  expect(replies("buffered while full")).toBe(0);
  expect(connector.bufferOf("gw-full")).toHaveLength(1);

  // Room again: the next message's record goes through (after what was held), nothing restarts.
  disk.full = false;
  connector.pushInbound(message("after", "m4"), { gatewayId: "gw-full" });
  await eventually(() => replies("after") === 1, "a reply after the disk has room");
  expect(runtime.health().journal).toEqual({ writable: true, error: null });
  expect(readinessOf(runtime.health())).toEqual({ ready: true });
  // The replay comes on the next link, is answered once and acked.
  connector.dropConnections();
  await eventually(() => replies("buffered while full") === 1, "the replay answered");
  await eventually(() => connector.bufferOf("gw-full").length === 0, "the replay acked");
  // None of the live messages is answered twice by the replay or the re-dials.
  for (const text of ["before", "while full", "live after the re-dial", "after"])
    expect(replies(text), text).toBe(1);
});
