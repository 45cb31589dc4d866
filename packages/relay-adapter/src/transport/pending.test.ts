import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PendingRequests } from "./pending.js";

const TIMED_OUT = { timedOut: true } as const;
type R = typeof TIMED_OUT | string;

describe("PendingRequests", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());
  const make = () =>
    new PendingRequests<R>(
      () => TIMED_OUT,
      () => Date.now(),
    );

  it("resolves a request with the timed-out result at its deadline, not before, and forgets it", () => {
    const p = make();
    const got: R[] = [];
    p.add("a", (r) => got.push(r), 1_000);
    vi.advanceTimersByTime(998);
    expect(got).toEqual([]);
    vi.advanceTimersByTime(2);
    expect(got).toEqual([TIMED_OUT]);
    expect(p.size).toBe(0);
    expect(p.take("a")).toBeUndefined(); // a late answer finds nothing
  });

  it("each request keeps its own deadline, whatever order they were added in", () => {
    const p = make();
    const got: string[] = [];
    p.add("slow", () => got.push("slow"), 5_000);
    p.add("fast", () => got.push("fast"), 100); // earlier than the armed timer: re-arms
    p.add("mid", () => got.push("mid"), 2_000);
    vi.advanceTimersByTime(100);
    expect(got).toEqual(["fast"]);
    vi.advanceTimersByTime(1_900);
    expect(got).toEqual(["fast", "mid"]);
    vi.advanceTimersByTime(3_000);
    expect(got).toEqual(["fast", "mid", "slow"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("take hands the resolver out once; an answered request never times out; no timer is left when none waits", () => {
    const p = make();
    const got: R[] = [];
    p.add("a", (r) => got.push(r), 1_000);
    p.add("b", (r) => got.push(r), 1_000);
    p.take("a")?.("answer a");
    expect(p.take("a")).toBeUndefined();
    vi.advanceTimersByTime(1_000);
    expect(got).toEqual(["answer a", TIMED_OUT]);
    p.add("c", (r) => got.push(r), 1_000);
    p.take("c")?.("answer c");
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5_000);
    expect(got).toEqual(["answer a", TIMED_OUT, "answer c"]);
  });

  it("settleAll resolves every waiting request with the given result and disarms the timer", () => {
    const p = make();
    const got: R[] = [];
    for (const id of ["a", "b", "c"]) p.add(id, (r) => got.push(`${id}:${String(r)}`), 1_000);
    p.settleAll("closed");
    expect(got).toEqual(["a:closed", "b:closed", "c:closed"]);
    expect(p.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a resolver that adds a new request during the sweep gets its own deadline", () => {
    const p = make();
    const got: string[] = [];
    p.add(
      "a",
      () => {
        got.push("a");
        p.add("b", () => got.push("b"), 500);
      },
      100,
    );
    vi.advanceTimersByTime(100);
    expect(got).toEqual(["a"]);
    vi.advanceTimersByTime(499);
    expect(got).toEqual(["a"]);
    vi.advanceTimersByTime(1);
    expect(got).toEqual(["a", "b"]);
  });
});
