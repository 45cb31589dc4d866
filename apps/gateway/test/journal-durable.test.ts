// A replayed (buffered) message is acked to the connector only once its journal record is on
// disk: after the fdatasync completes — even when its reply has already gone out. In-process, with
// node:fs's fdatasync held back by the test (a kill -9 cannot show a missing fsync).
import { eventually } from "@hermes/vitest-config/eventually";
import { afterEach, expect, it, vi } from "vitest";

/** fdatasync calls held while `held` is true; release() lets them complete. */
const syncs = vi.hoisted(() => ({
  held: false,
  calls: 0,
  waiting: [] as (() => void)[],
  release(): void {
    this.held = false;
    for (const go of this.waiting.splice(0)) go();
  },
}));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const fdatasync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void => {
    syncs.calls++;
    const go = (): void => fs.fdatasync(fd, cb);
    if (syncs.held) syncs.waiting.push(go);
    else go();
  };
  return { ...fs, default: { ...fs, fdatasync }, fdatasync };
});

const { journalledRuntime } = await import("./support/journalled-runtime.js");

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  syncs.release();
  for (const c of cleanups.splice(0).reverse()) await c();
});

it("a replayed message is acked after its record's fdatasync, not before (its reply may leave first)", async () => {
  const { connector, start } = await journalledRuntime("gw-jd", cleanups);
  const pushed = connector.pushInbound(
    {
      text: "while you were away",
      message_id: "m1",
      source: { platform: "discord", chat_id: "C1", chat_type: "dm", user_id: "U1" },
    },
    { gatewayId: "gw-jd" },
  );
  expect(pushed.delivered).toBe("buffered");
  syncs.held = true;
  await start();

  await eventually(
    () => connector.outbound.some((o) => o.action.op === "send"),
    "the reply to the replayed message",
  );
  await eventually(() => syncs.waiting.length > 0, "the record's fdatasync");
  // The reply is out, the record's fdatasync has not completed. A live message's round trip
  // after it: whatever the gateway sent before that reply, the connector has handled.
  connector.pushInbound(
    {
      text: "and now",
      message_id: "m2",
      source: { platform: "discord", chat_id: "C2", chat_type: "dm", user_id: "U1" },
    },
    { gatewayId: "gw-jd" },
  );
  await eventually(
    () =>
      connector.outbound.some((o) => o.action.op === "send" && o.action["content"] === "and now"),
    "the live message's reply",
  );
  // The connector still holds the replayed message: not acked before its record is on disk.
  expect(connector.bufferOf("gw-jd").map((i) => i.bufferId)).toEqual([
    (pushed as { bufferId: string }).bufferId,
  ]);
  syncs.release();
  await eventually(() => connector.bufferOf("gw-jd").length === 0, "the ack after the fdatasync");
  expect(syncs.calls).toBeGreaterThan(0);
});
