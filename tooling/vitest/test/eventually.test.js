// eventually() must both wait and give up: it resolves once the check passes (predicate or
// assertion style), and rejects with the waited-for thing and the last assertion message.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventually } from "../eventually.js";

describe("eventually", () => {
  it("polls a predicate until it holds and resolves with its value", async () => {
    let calls = 0;
    const value = await eventually(() => ++calls >= 3, "three calls", { intervalMs: 1 });
    assert.equal(value, true);
    assert.equal(calls, 3);
  });

  it("treats a thrown assertion as not yet, and a returning one as passed", async () => {
    let calls = 0;
    await eventually(
      () => {
        calls++;
        assert.ok(calls >= 2, "not yet");
      },
      "an assertion",
      { intervalMs: 1 },
    );
    assert.equal(calls, 2);
  });

  it("awaits an async check", async () => {
    let calls = 0;
    assert.equal(await eventually(async () => (++calls >= 2 ? "done" : false), "async"), "done");
  });

  it("rejects after the timeout naming what it waited for and the last failure", async () => {
    await assert.rejects(
      eventually(() => assert.equal(1, 2, "one is not two"), "the impossible", { timeoutMs: 30 }),
      (error) => {
        assert.match(
          error.message,
          /timed out after 30 ms waiting for the impossible: one is not two/,
        );
        return true;
      },
    );
    await assert.rejects(
      eventually(() => false, "never", { timeoutMs: 10 }),
      /waiting for never$/,
    );
  });
});
