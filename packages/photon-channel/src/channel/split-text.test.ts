import { measureGrowth } from "@hermes/vitest-config/growth";
import { describe, expect, it } from "vitest";
import { splitMessageText } from "./split-text.js";

describe("splitMessageText", () => {
  it("keeps short text whole and drops empty input", () => {
    expect(splitMessageText("hello", 10)).toEqual(["hello"]);
    expect(splitMessageText("", 10)).toEqual([]);
    expect(splitMessageText("   \n ", 10)).toEqual([]);
  });

  it("cuts at a paragraph break, else a line break, else a space, never over the cap", () => {
    expect(splitMessageText("first para\n\nsecond para", 16)).toEqual([
      "first para",
      "second para",
    ]);
    expect(splitMessageText("line one\nline two", 12)).toEqual(["line one", "line two"]);
    expect(splitMessageText("alpha beta gamma delta", 11)).toEqual(["alpha beta", "gamma delta"]);
    for (const chunk of splitMessageText("word ".repeat(500), 37))
      expect(chunk.length).toBeLessThanOrEqual(37);
  });

  it("cuts a word longer than the cap at the cap, never inside a surrogate pair", () => {
    expect(splitMessageText("x".repeat(25), 10)).toEqual([
      "x".repeat(10),
      "x".repeat(10),
      "x".repeat(5),
    ]);
    const emoji = "😀".repeat(5); // 10 UTF-16 units
    const chunks = splitMessageText(emoji, 3);
    expect(chunks.join("")).toBe(emoji);
    for (const chunk of chunks) expect(chunk).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
  });

  it("loses no non-whitespace character", () => {
    const text = Array.from(
      { length: 300 },
      (_, i) => (i % 7 === 0 ? "\n\n" : i % 3 === 0 ? "\n" : " ") + "w".repeat(i % 13),
    ).join("");
    const chunks = splitMessageText(text, 40);
    expect(chunks.join("").replace(/\s/g, "")).toBe(text.replace(/\s/g, ""));
  });

  it("grows linearly: 10x the input takes well under 100x the time", () => {
    const text = (n: number): string => ("a".repeat(50) + " ").repeat(n);
    const growth = measureGrowth(
      (t: string) => splitMessageText(t, 8000),
      text(2_000),
      text(20_000),
      {
        reference: (t: string) => t.split(" ").length, // one linear pass over the same text
      },
    );
    expect(growth.ratio, JSON.stringify(growth)).toBeLessThan(growth.limit);
  });

  it("rejects a cap that cannot make progress", () => {
    expect(() => splitMessageText("abc", 1)).toThrow(RangeError);
  });
});
