import { measureGrowth } from "@hermes/vitest-config/growth";
import { describe, expect, it } from "vitest";
import { RecentMap } from "./recent.js";

describe("RecentMap", () => {
  it("forgets the oldest entries past its size and any entry past its age", () => {
    let now = 0;
    const map = new RecentMap<number>(2, 1000, () => now);
    map.set("a", 1);
    map.set("b", 2);
    map.set("c", 3);
    expect([map.has("a"), map.has("b"), map.has("c")]).toEqual([false, true, true]);
    now = 1001;
    expect(map.get("b")).toBeUndefined();
    map.set("d", 4);
    expect(map.get("d")).toBe(4);
    map.delete("d");
    expect(map.has("d")).toBe(false);
  });

  it("re-setting a key makes it newest; entriesWithTime lists oldest first", () => {
    let now = 0;
    const map = new RecentMap<number>(3, 1000, () => now);
    map.set("a", 1);
    now = 1;
    map.set("b", 2);
    now = 2;
    map.set("a", 3);
    expect([...map.entriesWithTime()]).toEqual([
      ["b", 1],
      ["a", 2],
    ]);
  });

  it("staying at its bound is linear (10x the entries, bound half of them ⇒ well under 20x the time)", () => {
    const run = (n: number): number => {
      const map = new RecentMap<true>(n / 2, 60_000, () => 0);
      for (let i = 0; i < n; i++) map.set(`msg-${i}`, true);
      return map.size;
    };
    expect(run(10)).toBe(5);
    // The reference is the same work done the plainest linear way: a Map held at the bound by
    // deleting the oldest key by name. It hashes the same strings and keeps as many entries
    // alive (a table 10x larger and the keys' strings cost more per entry, which an array
    // reference did not show: linear code measured up to 19x of a 20x limit).
    const growth = measureGrowth(run, 2_000, 20_000, {
      reference: (n: number) => {
        const live = new Map<string, object>();
        for (let i = 0; i < n; i++) {
          live.set(`msg-${i}`, { at: 0 });
          if (live.size > n / 2) live.delete(`msg-${i - n / 2}`);
        }
        return live.size;
      },
    });
    expect(growth.ratio, JSON.stringify(growth)).toBeLessThan(growth.limit);
  });
});
