import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { INBOUND_STATE_FILE, INBOUND_STATE_LOG, InboundStateStore } from "./inbound-state.js";
import { RecentMap } from "./recent.js";

const HOUR = 3600_000;
let dir: string;
let clock = 1_000_000;
const now = () => clock;
const map = (size = 10) => new RecentMap<true>(size, 48 * HOUR, now);

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), "photon-state-unit-")), "photon", "proj");
});
afterEach(async () => {
  await rm(join(dir, "..", ".."), { recursive: true, force: true });
});

describe("InboundStateStore", () => {
  it("starts empty without a file, and saves handled ids and the cursor atomically (0600)", async () => {
    const { store, problem } = await InboundStateStore.open({ dir, handled: map(), now });
    expect(problem).toBeNull();
    expect(store.cursor).toBeNull();
    const handled = map();
    const opened = await InboundStateStore.open({ dir, handled, now });
    handled.set("m1", true);
    opened.store.markHandled("m1");
    opened.store.advanceCursor(7);
    opened.store.advanceCursor(3); // never back
    await opened.store.save();
    expect(opened.store.savedCursor).toBe(7);
    expect((await stat(join(dir, INBOUND_STATE_FILE))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, INBOUND_STATE_LOG))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const reread = map();
    const again = await InboundStateStore.open({ dir, handled: reread, now });
    expect(again.store.cursor).toBe(7);
    expect(reread.has("m1")).toBe(true);
  });

  it("keeps only the newest ids within the bound and drops ids past their age", async () => {
    const handled = map(3);
    const { store } = await InboundStateStore.open({ dir, handled, now });
    for (const id of ["a", "b", "c", "d"]) {
      clock += 1;
      handled.set(id, true);
      store.markHandled(id);
    }
    await store.save();
    const reread = map(3);
    const reopened = await InboundStateStore.open({ dir, handled: reread, now });
    // Reopening folds the log into a new snapshot: the bound applies there.
    const file = JSON.parse(await readFile(join(dir, INBOUND_STATE_FILE), "utf8")) as {
      handled: [string, number][];
    };
    expect(file.handled.map(([id]) => id)).toEqual(["b", "c", "d"]);
    expect(reread.has("a")).toBe(false);
    expect(reread.has("d")).toBe(true);
    await reopened.store.close();
    clock += 49 * HOUR;
    const later = map(3);
    await InboundStateStore.open({ dir, handled: later, now });
    expect(later.size).toBe(0);
  });

  it("reports a damaged file and starts without it, never throwing", async () => {
    await InboundStateStore.open({ dir, handled: map(), now }).then(({ store }) => {
      store.advanceCursor(1);
      return store.save();
    });
    for (const [content, problem] of [
      ["{not json", "not_json"],
      ['{"version":1,"cursor":-4,"handled":[]}', "wrong_shape"],
      ['{"version":1,"cursor":null,"handled":[[1,2]]}', "wrong_shape"],
      ["[]", "wrong_shape"],
    ] as const) {
      await writeFile(join(dir, INBOUND_STATE_FILE), content);
      const opened = await InboundStateStore.open({ dir, handled: map(), now });
      expect(opened.problem).toBe(problem);
      expect(opened.store.cursor).toBeNull();
    }
  });

  it("shares writes between concurrent saves and writes again for changes made meanwhile", async () => {
    const { store } = await InboundStateStore.open({ dir, handled: map(), now });
    store.advanceCursor(1);
    const first = store.save();
    store.advanceCursor(2);
    const second = store.save();
    await Promise.all([first, second, store.save()]);
    expect(store.savedCursor).toBe(2);
    // The snapshot written at open, then two appends.
    expect(store.saves).toBe(3);
  });

  it("appends one line per save and replays it on open; a torn last line is dropped", async () => {
    const handled = map();
    const { store } = await InboundStateStore.open({ dir, handled, now });
    store.markHandled("m1");
    store.advanceCursor(4);
    await store.save();
    store.markHandled("m2");
    await store.save();
    store.advanceCursor(9);
    await store.save();
    const log = (await readFile(join(dir, INBOUND_STATE_LOG), "utf8")).trim().split("\n");
    expect(log).toHaveLength(4); // generation header + three saves
    // A crash in the middle of an append leaves a torn line: it is not applied.
    await appendFile(join(dir, INBOUND_STATE_LOG), '{"h":[["m3",');
    const reread = map();
    const again = await InboundStateStore.open({ dir, handled: reread, now });
    expect(again.problem).toBeNull();
    expect(again.store.cursor).toBe(9);
    expect(reread.has("m1") && reread.has("m2")).toBe(true);
    expect(reread.has("m3")).toBe(false);
  });

  it("ignores a log that does not continue the snapshot (a crash between compaction's rename and truncation)", async () => {
    const { store } = await InboundStateStore.open({ dir, handled: map(), now });
    store.advanceCursor(5);
    await store.save();
    await store.close();
    const staleLog = await readFile(join(dir, INBOUND_STATE_LOG), "utf8");
    const { store: second } = await InboundStateStore.open({ dir, handled: map(), now });
    second.resetCursor(); // a gap: the cursor is dropped
    await second.save();
    await second.close();
    // Reopen (a new snapshot with cursor null), then put the previous generation's log back.
    const { store: third } = await InboundStateStore.open({ dir, handled: map(), now });
    await third.close();
    await writeFile(join(dir, INBOUND_STATE_LOG), `${staleLog}{"c":5}\n`);
    const fourth = await InboundStateStore.open({ dir, handled: map(), now });
    expect(fourth.store.cursor).toBeNull();
  });

  it("folds the log into a new snapshot after compactAfter appends", async () => {
    const handled = map();
    const { store } = await InboundStateStore.open({ dir, handled, now, compactAfter: 2 });
    for (const id of ["a", "b", "c"]) {
      store.markHandled(id);
      store.advanceCursor(id.charCodeAt(0));
      await store.save();
    }
    const snapshot = JSON.parse(await readFile(join(dir, INBOUND_STATE_FILE), "utf8")) as {
      handled: [string, number][];
      cursor: number;
    };
    expect(snapshot.handled.map(([id]) => id)).toEqual(["a", "b", "c"]);
    expect(snapshot.cursor).toBe("c".charCodeAt(0));
    const log = (await readFile(join(dir, INBOUND_STATE_LOG), "utf8")).trim().split("\n");
    expect(log).toHaveLength(1);
    const reread = map();
    const again = await InboundStateStore.open({ dir, handled: reread, now });
    expect(again.store.cursor).toBe("c".charCodeAt(0));
    expect(reread.size).toBe(3);
  });

  it("without sync, still writes each save before it resolves (what kill -9 leaves behind)", async () => {
    const { store } = await InboundStateStore.open({ dir, handled: map(), now, sync: false });
    store.markHandled("x");
    store.advanceCursor(3);
    await store.save();
    const reread = map();
    const again = await InboundStateStore.open({ dir, handled: reread, now });
    expect(again.store.cursor).toBe(3);
    expect(reread.has("x")).toBe(true);
  });

  it("keeps a cursor per dedicated line beside the shared one, in the log and in the snapshot", async () => {
    const { store } = await InboundStateStore.open({ dir, handled: map(), now, compactAfter: 3 });
    store.advanceCursor(10, "inst-a");
    store.advanceCursor(4, "inst-b");
    await store.save();
    store.advanceCursor(12, "inst-a");
    store.resetCursor("inst-b");
    await store.save();
    expect(store.cursorOf("inst-a")).toBe(12);
    expect(store.savedCursorOf("inst-a")).toBe(12);
    expect(store.cursor).toBeNull(); // the shared line's: untouched
    const fromLog = await InboundStateStore.open({ dir, handled: map(), now });
    expect(fromLog.store.cursorOf("inst-a")).toBe(12);
    expect(fromLog.store.cursorOf("inst-b")).toBeNull();
    // Reopening wrote a snapshot: the lines are there.
    const snapshot = JSON.parse(await readFile(join(dir, INBOUND_STATE_FILE), "utf8")) as {
      lines: Record<string, number | null>;
    };
    expect(snapshot.lines).toEqual({ "inst-a": 12, "inst-b": null });
    await writeFile(
      join(dir, INBOUND_STATE_FILE),
      '{"version":1,"cursor":null,"lines":{"x":-1},"handled":[]}',
    );
    expect((await InboundStateStore.open({ dir, handled: map(), now })).problem).toBe(
      "wrong_shape",
    );
  });

  it("remembers each chat's line (bounded, newest kept) in the log and in the snapshot; a file without it still loads", async () => {
    const chats = () => new RecentMap<string>(2, 48 * HOUR, now);
    const chatLines = chats();
    const { store } = await InboundStateStore.open({ dir, handled: map(), chatLines, now });
    store.rememberChatLine("chat-1", "inst-a");
    clock += 1;
    store.rememberChatLine("chat-2", "inst-b");
    await store.save();
    clock += 1;
    store.rememberChatLine("chat-1", "inst-b"); // wrote in on another line since
    await store.save();
    expect(chatLines.get("chat-1")).toBe("inst-b");
    const fromLog = chats();
    await InboundStateStore.open({ dir, handled: map(), chatLines: fromLog, now });
    expect([fromLog.get("chat-1"), fromLog.get("chat-2")]).toEqual(["inst-b", "inst-b"]);
    // Reopening wrote a snapshot with them; a third chat pushes out the oldest (chat-2).
    const snapshot = JSON.parse(await readFile(join(dir, INBOUND_STATE_FILE), "utf8")) as {
      chats: Array<[string, string, number]>;
    };
    expect(snapshot.chats.map(([chat, line]) => [chat, line])).toEqual([
      ["chat-2", "inst-b"],
      ["chat-1", "inst-b"],
    ]);
    const bounded = chats();
    const again = await InboundStateStore.open({ dir, handled: map(), chatLines: bounded, now });
    clock += 1;
    again.store.rememberChatLine("chat-3", "inst-a");
    await again.store.save();
    const last = chats();
    await InboundStateStore.open({ dir, handled: map(), chatLines: last, now });
    expect([last.get("chat-2"), last.get("chat-1"), last.get("chat-3")]).toEqual([
      undefined,
      "inst-b",
      "inst-a",
    ]);
    // Written by an earlier version (no `chats`): loads, nothing remembered.
    await writeFile(
      join(dir, INBOUND_STATE_FILE),
      '{"version":1,"generation":9,"cursor":3,"handled":[]}',
    );
    await rm(join(dir, INBOUND_STATE_LOG));
    const old = chats();
    const reopened = await InboundStateStore.open({ dir, handled: map(), chatLines: old, now });
    expect(reopened.problem).toBeNull();
    expect(old.size).toBe(0);
    // A malformed entry is a damaged file, not a crash.
    await writeFile(
      join(dir, INBOUND_STATE_FILE),
      '{"version":1,"cursor":null,"handled":[],"chats":[["c",7,1]]}',
    );
    expect((await InboundStateStore.open({ dir, handled: map(), now })).problem).toBe(
      "wrong_shape",
    );
  });
});
