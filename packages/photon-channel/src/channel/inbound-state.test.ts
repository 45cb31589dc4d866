import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { INBOUND_STATE_FILE, InboundStateStore } from "./inbound-state.js";
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
    const file = JSON.parse(await readFile(join(dir, INBOUND_STATE_FILE), "utf8")) as {
      handled: [string, number][];
    };
    expect(file.handled.map(([id]) => id)).toEqual(["b", "c", "d"]);
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
    expect(store.saves).toBe(2);
  });
});
