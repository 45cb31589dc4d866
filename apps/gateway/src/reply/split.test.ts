import { measureGrowth } from "@hermes/vitest-config/growth";
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

describe("splitReply code fences", () => {
  it("takes inline code that happens to start a chunk for inline code, not a fence", () => {
    // The break after the space puts "```js```" at the start of the second chunk, mid-line.
    const text = `${"x".repeat(95)} \`\`\`js\`\`\` is inline. ${"y ".repeat(60)}`;
    const out = splitReply(text, 100, "chars");
    expect(out[1]?.startsWith("```js``` is inline.")).toBe(true);
    expect(out.join("")).toBe(text);
    for (const c of out) expect(c.endsWith("\n```")).toBe(false);
  });

  it("recognises a fence only at a line start, however the text is cut", () => {
    // Backticks at the start of many chunks, none at a line start: nothing to close or reopen.
    for (const text of [`x${"`".repeat(500)}`, `x ${"``` ".repeat(125)}`, "x ```py y ".repeat(50)])
      for (const max of [10, 17, 64])
        expect(
          splitReplyPieces(text, max, "chars").filter((p) => p.prefix + p.suffix !== ""),
        ).toEqual([]);
  });

  it("a fence whose indent straddles a break opens in the chunk that holds its backticks", () => {
    // The first chunk ends right before the backticks: the fence belongs to the second alone.
    const text = `${"\t".repeat(20)}\`\`\`ts\n${"x = 1;\n".repeat(4)}\`\`\``;
    const out = splitReply(text, 20, "chars");
    expect(out[0]).toBe("\t".repeat(20));
    expect(out[1]).toBe("```ts\nx = 1;\n\n```");
    for (const c of out.slice(2)) expect(c.startsWith("```ts\n")).toBe(true);
    for (const c of out.slice(1)) expect(c.match(/```/g)?.length).toBe(2);
  });
});

describe("splitReply code fences, bounded", () => {
  it("a fence tag too long to repeat is not reopened in every chunk: the block's text arrives in about as many messages as plain text", () => {
    const tag = "t".repeat(4080);
    const body = "x".repeat(100_000);
    const text = `\`\`\`${tag}\n${body}\n\`\`\``;
    const out = splitReply(text, 4096, "chars");
    // Plain text of this size takes 26 chunks; re-sending the tag before every few characters
    // took 16,000.
    expect(out.length).toBeLessThanOrEqual(30);
    for (const c of out) expect(measure(c, "chars")).toBeLessThanOrEqual(4096);
    expect(out.join("")).toBe(text);
    // A short tag is still closed and reopened.
    const short = splitReply(`\`\`\`ts\n${"y = 2;\n".repeat(40)}\`\`\``, 100, "chars");
    for (const c of short.slice(1)) expect(c.startsWith("```ts\n")).toBe(true);
  });

  it("a line of inline code at a line start is not a fence (its info string would hold a backtick)", () => {
    const text = `\`\`\`js\`\`\` is inline.\n${"y ".repeat(80)}`;
    const pieces = splitReplyPieces(text, 50, "chars");
    expect(pieces.filter((p) => p.prefix + p.suffix !== "")).toEqual([]);
    // A fence of four backticks is one too, closed and reopened with four; a line of three
    // inside it is its text (CommonMark: only a run at least as long closes it).
    const body = `${"z ".repeat(40)}\n\`\`\`\n${"z ".repeat(40)}`;
    const four = splitReplyPieces(`\`\`\`\`md\n${body}\n\`\`\`\``, 50, "chars");
    expect(four.length).toBeGreaterThan(2);
    expect(four[0]?.suffix).toBe("\n````");
    for (const p of four.slice(1, -1)) {
      expect(p.prefix).toBe("````md\n");
      expect(p.suffix).toBe("\n````");
    }
    expect(four.at(-1)?.prefix).toBe("````md\n");
    expect(four.at(-1)?.suffix).toBe("");
  });

  it("text after a block left open (its tag too long to repeat) is plain again: no fences around it", () => {
    const tag = "t".repeat(60);
    const plain = "plain words here ".repeat(30);
    const text = `\`\`\`${tag}\n${"x ".repeat(100)}\n\`\`\`\n${plain}`;
    const pieces = splitReplyPieces(text, 100, "chars");
    expect(pieces.map((p) => p.text).join("")).toBe(text);
    // The block's own chunks are not closed and reopened (the tag takes more than half)…
    expect(pieces.filter((p) => p.prefix + p.suffix !== "")).toEqual([]);
    // …and the closing fence is read as one: the chunks after it hold no fence at all.
    const closeAt = text.indexOf("\n```\n") + 1;
    let at = 0;
    for (const p of pieces) {
      if (at > closeAt) expect(p.text).not.toContain("```");
      at += p.text.length;
    }
  });
});

describe("splitReplyPieces grows linearly: 10x the input takes well under 100x the time", () => {
  const cases: [string, (n: number) => string][] = [
    ["a run of backticks", (n) => "`".repeat(n)],
    ["a fence and no newline", (n) => `\`\`\`${"a".repeat(n)}`],
    ["inline backticks between spaces", (n) => "``` ".repeat(n / 4)],
    ["alternating fence lines", (n) => "```\n".repeat(n / 4)],
    ["a long run of one character", (n) => "x".repeat(n)],
    ["a long run of spaces", (n) => " ".repeat(n)],
    ["a long run of newlines", (n) => "\n".repeat(n)],
  ];
  it.each(cases)("%s", (_name, make) => {
    for (const max of [100, 4096]) {
      const g = measureGrowth(
        (t: string) => splitReplyPieces(t, max, "chars"),
        make(20_000),
        make(200_000),
        {
          // one linear pass over the same text: what a 10x larger input costs on this machine
          reference: (t: string) => Array.from(t).join(""),
        },
      );
      expect(g.ratio, `max ${max}: ${JSON.stringify(g)}`).toBeLessThan(g.limit);
    }
  });
});
