// measureGrowth must tell linear from quadratic, and measure CPU time: work that grows with the
// input counts, time spent waiting (or preempted by other processes) does not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { measureGrowth } from "../growth.js";

const linear = (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s + i * 7) % 1_000_003;
  return s;
};
const quadratic = (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s = (s + i * j) % 1_000_003;
  return s;
};

describe("measureGrowth", () => {
  it("holds a linear operation under the bound and a quadratic one over it", () => {
    const ok = measureGrowth(linear, 200_000, 2_000_000);
    assert.ok(ok.ratio < ok.limit, JSON.stringify(ok));
    const bad = measureGrowth(quadratic, 300, 3_000, { budgetMs: 1_000 });
    assert.ok(bad.ratio > bad.limit, JSON.stringify(bad));
  });

  it("counts CPU time, not time spent waiting: a wait that grows with the input does not count", () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    // The same CPU work on both inputs, plus a wait 10x longer on the large one.
    const waits = (ms) => {
      linear(50_000);
      Atomics.wait(cell, 0, 0, ms);
    };
    const g = measureGrowth(waits, 1, 10, { budgetMs: 2_000 });
    assert.ok(g.ratio < 3, JSON.stringify(g));
  });
});
