// The gateway while the disk under HERMES_HOME is full (test/support/full-disk-fs.ts: writes to
// the journal fail with ENOSPC while `disk.full`; a full disk cannot be made without root, so
// in-process): live messages are still answered, replayed ones wait unacked, /readyz and the
// health snapshot say why, and once there is room again everything resumes by itself: no
// restart, no new message, no new link needed.
import { eventually } from "@hermes/vitest-config/eventually";
import { afterEach, expect, it, vi } from "vitest";

const disk = vi.hoisted(() => ({
  full: false,
  room: 0,
  fds: new Set<number>(),
  failures: 0,
  syncErrors: 0,
}));

vi.mock("node:fs", async (importOriginal) => {
  const { fullDiskFs } = await import("./support/full-disk-fs.js");
  return fullDiskFs(await importOriginal<typeof import("node:fs")>(), disk);
});

const { journalledRuntime } = await import("./support/journalled-runtime.js");
const { readinessOf } = await import("../src/ops/health.js");

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  disk.full = false;
  disk.syncErrors = 0;
  for (const c of cleanups.splice(0).reverse()) await c();
});

const message = (text: string, id: string) => ({
  text,
  message_id: id,
  source: { platform: "discord", chat_id: "C1", chat_type: "dm", user_id: "U1" },
});

/** A journalled runtime that has answered (and acked) a first message, and its reply counter. */
async function started(gatewayId: string) {
  const { connector, start } = await journalledRuntime(gatewayId, cleanups);
  const runtime = await start();
  const replies = (text: string) =>
    connector.outbound.filter((o) => o.action.op === "send" && o.action["content"] === text).length;
  connector.pushInbound(message("before", "m0"), { gatewayId });
  await eventually(() => replies("before") === 1, "the first reply");
  // (Delivered before the handshake, it is a replay: acked once its record is on disk.)
  await eventually(() => connector.bufferOf(gatewayId).length === 0, "nothing left to replay");
  return { connector, runtime, replies };
}

it("answers live messages while the journal cannot be written, holds replayed ones unacked, and resumes by itself on the same link", async () => {
  const { connector, runtime, replies } = await started("gw-full");

  disk.full = true;
  connector.pushInbound(message("while full", "m1"), { gatewayId: "gw-full" });
  await eventually(() => replies("while full") === 1, "a live message answered while full");
  const h = runtime.health();
  // The cause, not the file's path: its name is made from the gateway id (which may be secret).
  const cause = "ENOSPC; the file system holding HERMES_HOME is full";
  expect(h.journal).toEqual({ writable: false, error: cause });
  expect(readinessOf(h)).toEqual({ ready: false, reason: `turn journal not writable: ${cause}` });
  // A replayed message is not taken while its record cannot be written: it waits, unacked
  // (the connector keeps it), and the link's live messages are answered meanwhile.
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
  // Another link while still full: the replay comes again and waits again (a duplicate of the
  // first copy, which waits on the dead link).
  connector.dropConnections();
  await eventually(() => !connector.isConnected("gw-full"), "the link down again");
  await eventually(() => connector.isConnected("gw-full"), "the second re-dial");
  connector.pushInbound(message("live on the third link", "m3b"), { gatewayId: "gw-full" });
  await eventually(() => replies("live on the third link") === 1, "a live reply on it");
  expect(replies("buffered while full")).toBe(0);
  expect(connector.bufferOf("gw-full")).toHaveLength(1);

  // Room again: with no new message and no new link, the journal's own retry writes what was
  // held; the waiting replay is taken, answered once and acked on this link.
  const dials = runtime.health().relay?.dialCount;
  disk.full = false;
  await eventually(() => runtime.health().journal?.writable === true, "the journal's retry");
  expect(readinessOf(runtime.health())).toEqual({ ready: true });
  await eventually(() => replies("buffered while full") === 1, "the replay answered");
  await eventually(() => connector.bufferOf("gw-full").length === 0, "the replay acked");
  expect(runtime.health().relay?.dialCount).toBe(dials);
  connector.pushInbound(message("after", "m4"), { gatewayId: "gw-full" });
  await eventually(() => replies("after") === 1, "a reply after the disk has room");
  // A re-dial now replays nothing more and answers nothing twice.
  connector.dropConnections();
  await eventually(() => !connector.isConnected("gw-full"), "the link down again");
  await eventually(() => connector.isConnected("gw-full"), "the next re-dial");
  connector.pushInbound(message("last", "m5"), { gatewayId: "gw-full" });
  await eventually(() => replies("last") === 1, "the last reply");
  for (const text of [
    "before",
    "while full",
    "buffered while full",
    "live after the re-dial",
    "live on the third link",
    "after",
  ])
    expect(replies(text), text).toBe(1);
});

it("a replayed message without an id stays with the connector while the journal cannot be written: a later copy could not be told from it", async () => {
  const { connector, replies } = await started("gw-noid");
  disk.full = true;
  connector.pushInbound(message("while full", "m1"), { gatewayId: "gw-noid" });
  await eventually(() => replies("while full") === 1, "a live message answered while full");
  connector.dropConnections();
  await eventually(() => !connector.isConnected("gw-noid"), "the link down");
  const { message_id: _id, ...noId } = message("no id", "");
  expect(connector.pushInbound(noId, { gatewayId: "gw-noid" }).delivered).toBe("buffered");
  await eventually(() => connector.isConnected("gw-noid"), "the re-dial");
  connector.pushInbound(message("live", "m2"), { gatewayId: "gw-noid" });
  await eventually(() => replies("live") === 1, "a live reply on the new link");
  disk.full = false;
  connector.pushInbound(message("after", "m3"), { gatewayId: "gw-noid" });
  await eventually(() => replies("after") === 1, "a reply once there is room");
  // Not taken, not waiting: it is still the connector's, and comes on the next link, once.
  expect(replies("no id")).toBe(0);
  expect(connector.bufferOf("gw-noid")).toHaveLength(1);
  connector.dropConnections();
  await eventually(() => !connector.isConnected("gw-noid"), "the link down again");
  await eventually(() => replies("no id") === 1, "the replay answered");
  await eventually(() => connector.bufferOf("gw-noid").length === 0, "the replay acked");
  expect(replies("no id")).toBe(1);
});

it("a replay whose fdatasync fails is acked on the same link once a later one goes through", async () => {
  const { connector, runtime, replies } = await started("gw-eio");
  connector.dropConnections();
  await eventually(() => !connector.isConnected("gw-eio"), "the link down");
  disk.syncErrors = 1;
  connector.pushInbound(message("replayed", "m1"), { gatewayId: "gw-eio" });
  await eventually(() => connector.isConnected("gw-eio"), "the re-dial");
  const dials = runtime.health().relay?.dialCount ?? 0;
  await eventually(() => replies("replayed") === 1, "the replay answered");
  await eventually(() => disk.syncErrors === 0, "the failed fdatasync");
  // No recovery is announced for a failed sync (the journal takes writes all along): the ack
  // waits for a later sync of its own, on this link.
  await eventually(() => connector.bufferOf("gw-eio").length === 0, "the replay acked");
  expect(runtime.health().relay?.dialCount).toBe(dials);
  expect(replies("replayed")).toBe(1);
});
