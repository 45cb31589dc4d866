import { getHeapSpaceStatistics } from "node:v8";
import { describe, expect, it } from "vitest";
import { keepYoungGenerationSmall } from "./young-generation.js";

const newSpaceBytes = (): number =>
  getHeapSpaceStatistics().find((s) => s.space_name === "new_space")!.space_size;

/** Allocate the way a busy gateway does: a steady stream of objects, a window of which survive each scavenge. */
function churn(): void {
  const window: object[] = [];
  for (let i = 0; i < 2_000_000; i++) {
    window.push({ id: i, text: `message ${i}`, parts: [i, i + 1] });
    if (window.length > 2_000) window.splice(0, 1_000);
  }
}

describe("keepYoungGenerationSmall", () => {
  it("leaves the young generation alone when the operator sized it (NODE_OPTIONS or node's argv)", () => {
    const calls: string[] = [];
    const set = (f: string) => calls.push(f);
    expect(
      keepYoungGenerationSmall([], "--max-old-space-size=512 --max-semi-space-size=8", set),
    ).toBe("sized by the operator's node flags");
    expect(keepYoungGenerationSmall(["--semi_space_growth_factor=4"], "", set)).toBe(
      "sized by the operator's node flags",
    );
    expect(keepYoungGenerationSmall(["--max-heap-size=256"], "", set)).toBe(
      "sized by the operator's node flags",
    );
    expect(keepYoungGenerationSmall([], "--heap-growing-percent=100", set)).toBe(
      "sized by the operator's node flags",
    );
    expect(calls).toEqual([]);
    expect(
      keepYoungGenerationSmall(["--enable-source-maps"], "--max-old-space-size=512", set),
    ).toBe("kept at its initial size");
    expect(calls).toEqual(["--semi-space-growth-factor=1", "--heap-growing-percent=50"]);
  });

  // Runs in this test file's own worker process (pool: forks), so the flag touches nothing else.
  it("stops V8 from growing the young generation under sustained allocation", () => {
    const before = newSpaceBytes();
    // Precondition: there is room to grow (64-bit maximum: two 16 MB semi-spaces), so without
    // the call below the churn grows the space and the assertion fails.
    expect(before).toBeLessThan(32 * 1024 * 1024);
    expect(keepYoungGenerationSmall([], "")).toBe("kept at its initial size");
    churn();
    expect(newSpaceBytes()).toBe(before);
  });
});
