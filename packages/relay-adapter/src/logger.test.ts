import { describe, expect, it, vi } from "vitest";
import { capLogMessage, LogBudget, logSafely, MAX_LOG_MESSAGE } from "./logger.js";

describe("logSafely", () => {
  it("logs errors at error when the logger has it, else at warn", () => {
    const got: string[] = [];
    logSafely(
      { warn: (m) => got.push(`warn ${m}`), error: (m) => got.push(`error ${m}`) },
      "error",
      "a",
    );
    logSafely({ warn: (m) => got.push(`warn ${m}`) }, "error", "b");
    logSafely({ info: (m) => got.push(`info ${m}`) }, "error", "c");
    logSafely(undefined, "error", "d");
    expect(got).toEqual(["error a", "warn b"]);
  });

  it("never lets a throwing logger break the caller", () => {
    const boom = (): never => {
      throw new Error("logger down");
    };
    expect(() => logSafely({ error: boom }, "error", "x")).not.toThrow();
    expect(() => logSafely({ warn: boom }, "error", "x")).not.toThrow();
  });
});

describe("capLogMessage", () => {
  it("leaves a short message alone and cuts a long one, telling its length", () => {
    expect(capLogMessage("short")).toBe("short");
    const long = "E".repeat(5_000_000);
    const cut = capLogMessage(long);
    expect(cut).toBe(`${"E".repeat(MAX_LOG_MESSAGE)}… (5000000 characters)`);
  });

  it("never cuts between the halves of a surrogate pair", () => {
    const m = `${"a".repeat(MAX_LOG_MESSAGE - 1)}😀${"b".repeat(10)}`;
    const cut = capLogMessage(m);
    expect(cut.startsWith(`${"a".repeat(MAX_LOG_MESSAGE - 1)}…`)).toBe(true);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/); // no lone high surrogate
  });

  it("is what logSafely hands to the logger", () => {
    const got: string[] = [];
    logSafely({ warn: (m) => got.push(m) }, "warn", `reply not delivered: ${"E".repeat(100_000)}`);
    expect(got).toHaveLength(1);
    expect(got[0]!.length).toBeLessThan(MAX_LOG_MESSAGE + 40);
    expect(got[0]).toMatch(/… \(100021 characters\)$/);
  });
});

describe("LogBudget", () => {
  it("logs the first lines of a window, counts the rest, and tells the count once", () => {
    let now = 0;
    const got: string[] = [];
    const budget = new LogBudget((m) => got.push(m), { burst: 3, windowMs: 1_000, now: () => now });
    for (let i = 0; i < 10; i++) budget.log(`bad ${i}`);
    expect(got).toEqual(["bad 0", "bad 1", "bad 2"]);
    now = 1_000; // a new window: the count of the last one first
    budget.log("bad 10");
    expect(got.slice(3)).toEqual([
      "7 more lines like these within 1 s not logged one by one (the last: bad 9)",
      "bad 10",
    ]);
    budget.flush(); // nothing held back: nothing told
    expect(got).toHaveLength(5);
  });

  it("tells what it held back at the end of the window even when nothing more comes", () => {
    vi.useFakeTimers();
    try {
      const got: string[] = [];
      const budget = new LogBudget((m) => got.push(m), { burst: 1, windowMs: 5_000 });
      budget.log("a");
      vi.advanceTimersByTime(2_000);
      budget.log("b");
      budget.log("c");
      expect(got).toEqual(["a"]);
      vi.advanceTimersByTime(2_999);
      expect(got).toEqual(["a"]);
      vi.advanceTimersByTime(1);
      expect(got).toEqual([
        "a",
        "2 more lines like these within 5 s not logged one by one (the last: c)",
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});
