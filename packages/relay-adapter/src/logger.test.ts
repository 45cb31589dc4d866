import { describe, expect, it } from "vitest";
import { logSafely } from "./logger.js";

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
