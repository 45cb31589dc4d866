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
});
