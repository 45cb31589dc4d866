import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { measure, splitReply, splitReplyPieces, type LenUnit } from "./split.js";

const hasLoneSurrogate = (s: string) =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe("splitReply", () => {
  it("keeps a short reply whole", () => {
    expect(splitReply("hello", 10, "chars")).toEqual(["hello"]);
  });

  it("a reply of at most max UTF-16 units is one piece, as written, in either unit", () => {
    for (const text of ["x", "a b\n\nc", "🔌🔌", "```js\nx", "\uD800 lone"])
      for (const unit of ["chars", "utf16"] as const)
        expect(splitReplyPieces(text, Math.max(2, text.length), unit)).toEqual([
          { prefix: "", text, suffix: "" },
        ]);
    expect(splitReplyPieces("", 10, "chars")).toEqual([]);
  });

  it("counts 🔌 as 1 char but 2 utf16 units and never splits the pair", () => {
    expect(splitReply("🔌🔌🔌", 3, "chars")).toEqual(["🔌🔌🔌"]);
    expect(splitReply("🔌🔌🔌", 3, "utf16")).toEqual(["🔌", "🔌", "🔌"]);
  });

  it("prefers paragraph, then line, then space boundaries", () => {
    expect(splitReply("aaaa bbbb\n\ncccc dddd", 14, "chars")).toEqual([
      "aaaa bbbb\n\n",
      "cccc dddd",
    ]);
    expect(splitReply("aaaa bbbb\ncccc dddd", 14, "chars")).toEqual(["aaaa bbbb\n", "cccc dddd"]);
    expect(splitReply("aaaa bbbb cccc", 11, "chars")).toEqual(["aaaa bbbb ", "cccc"]);
  });

  it("closes and reopens a code block that must be split", () => {
    const code = "```ts\n" + "line1\nline2\nline3\nline4\n" + "```";
    const out = splitReply(code, 22, "chars");
    expect(out.length).toBeGreaterThan(1);
    expect(out[0]).toMatch(/\n```$/);
    expect(out[1]?.startsWith("```ts\n")).toBe(true);
    for (const c of out) expect(c.match(/```/g)?.length ?? 0).toBe(2);
  });

  it("rejects a max below 2", () => {
    expect(() => splitReply("x", 1, "chars")).toThrow(RangeError);
  });

  const textArb = fc
    .array(
      fc.oneof(
        fc.constantFrom(
          "\n",
          "\n\n",
          " ",
          "```",
          "```py\n",
          "🔌",
          "é",
          "\uD800",
          "\uDC00",
          "a",
          "word ",
        ),
        fc.string({ unit: "grapheme", maxLength: 8 }),
      ),
      { maxLength: 60 },
    )
    .map((a) => a.join(""));

  it("properties: each chunk ≤ max, slices reassemble the text, no new lone surrogates", () => {
    fc.assert(
      fc.property(
        textArb,
        fc.integer({ min: 2, max: 40 }),
        fc.constantFrom<LenUnit>("chars", "utf16"),
        (text, max, unit) => {
          const pieces = splitReplyPieces(text, max, unit);
          expect(pieces.map((p) => p.text).join("")).toBe(text);
          for (const p of pieces) {
            const chunk = p.prefix + p.text + p.suffix;
            expect(p.text.length).toBeGreaterThan(0);
            // A single astral code point is 2 utf16 units: with max 2 it still fits.
            expect(measure(chunk, unit)).toBeLessThanOrEqual(max);
            if (!hasLoneSurrogate(text)) expect(hasLoneSurrogate(chunk)).toBe(false);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
