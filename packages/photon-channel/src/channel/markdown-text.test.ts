import { measureGrowth } from "@hermes/vitest-config/growth";
import { describe, expect, it } from "vitest";
import { isPlainLine, markdownToPlainText, parsedToPlainText } from "./markdown-text.js";

describe("markdownToPlainText", () => {
  it("drops emphasis, strong, strikethrough and inline-code markers, keeping their text", () => {
    expect(markdownToPlainText("Hi **bold** _em_ *it* ~~gone~~ `a*b*c`")).toBe(
      "Hi bold em it gone a*b*c",
    );
    expect(markdownToPlainText("\\*not emphasis\\* and snake_case_name")).toBe(
      "*not emphasis* and snake_case_name",
    );
  });

  it("keeps a link's URL after its text, once, and images as alt text plus URL", () => {
    expect(markdownToPlainText("See [the docs](https://example.com/a_b?x=1&y=2).")).toBe(
      "See the docs (https://example.com/a_b?x=1&y=2).",
    );
    expect(markdownToPlainText("<https://example.com> and [https://x.y](https://x.y)")).toBe(
      "https://example.com and https://x.y",
    );
    expect(markdownToPlainText("bare https://example.com/path_with_underscores stays")).toBe(
      "bare https://example.com/path_with_underscores stays",
    );
    expect(markdownToPlainText("![a cat](https://img.example/cat.png)")).toBe(
      "a cat (https://img.example/cat.png)",
    );
  });

  it("renders lists with bullets and numbers, nested lists indented", () => {
    expect(markdownToPlainText("Options:\n\n- one\n- **two**\n  - two.a\n* three")).toBe(
      "Options:\n\n• one\n• two\n  • two.a\n• three",
    );
    expect(markdownToPlainText("1. first\n2. second\n\n3) third")).toBe(
      "1. first\n2. second\n3) third",
    );
    // A loose list keeps its blank lines.
    expect(markdownToPlainText("- a\n\n- b")).toBe("• a\n\n• b");
  });

  it("sets a quote apart with a plain blank line, not a stray `>` line", () => {
    expect(markdownToPlainText("para\n\n> quote")).toBe("para\n\n> quote");
    expect(markdownToPlainText("> one\n>\n> two")).toBe("> one\n>\n> two");
    expect(markdownToPlainText("> quote\n\nafter")).toBe("> quote\n\nafter");
  });

  it("never renders a non-empty reply to nothing, and sends very long text as written", () => {
    // Nested past markdown-it's recursion limit: it drops the content.
    const deep = `${"> ".repeat(200)}hello`;
    expect(markdownToPlainText(deep)).toBe(deep);
    const long = `**${"a".repeat(70 * 1024)}**`;
    expect(markdownToPlainText(long)).toBe(long);
  });

  it("keeps code blocks as written and headings, quotes and rules readable", () => {
    expect(
      markdownToPlainText("# Title\n\nText.\n\n```js\nconst a = 1 * 2;\n  indented();\n```"),
    ).toBe("Title\n\nText.\n\nconst a = 1 * 2;\n  indented();");
    expect(markdownToPlainText("> quoted *words*\n\n---\n\nafter")).toBe(
      "> quoted words\n\n———\n\nafter",
    );
  });

  it("renders a table as one line per row and leaves HTML as text", () => {
    expect(markdownToPlainText("| a | b |\n|---|---|\n| 1 | 2 |")).toBe("a | b\n1 | 2");
    expect(markdownToPlainText("<b>not html</b>")).toBe("<b>not html</b>");
  });

  it("leaves plain text as it is", () => {
    const text = "Hello there.\nSecond line, no markup: 3 < 4 & 5 > 2.";
    expect(markdownToPlainText(text)).toBe(text);
    expect(markdownToPlainText("")).toBe("");
  });

  it("a plain line (letters, digits, spaces, sentence punctuation) renders as itself, like the parser would", () => {
    for (const line of [
      "bench message 12",
      "Hello, world. How are you?",
      "2024. A year",
      "Ça va; très bien: «oui»",
      'it\'s "quoted"',
    ])
      expect(markdownToPlainText(line)).toBe(line);
    // Not plain (edge spaces, a marker): the parser decides.
    expect(markdownToPlainText("  indented")).toBe("indented");
    expect(markdownToPlainText("a *b* c")).toBe("a b c");
  });

  it("every line the shortcut takes as plain is one the parser renders unchanged", () => {
    // All lines of up to 4 characters over an alphabet of the shortcut's characters and the
    // markers that matter next to them, then longer ones from a fixed pseudo-random sequence.
    const alphabet = [
      "a",
      "1",
      " ",
      "-",
      "!",
      "(",
      ")",
      "/",
      "@",
      "%",
      ".",
      "?",
      "+",
      "*",
      "#",
      "[",
    ];
    let taken = 0;
    const check = (line: string): void => {
      if (!isPlainLine(line)) return;
      taken++;
      expect(parsedToPlainText(line), JSON.stringify(line)).toBe(line);
    };
    const grow = (prefix: string, depth: number): void => {
      check(prefix);
      if (depth > 0) for (const c of alphabet) grow(prefix + c, depth - 1);
    };
    grow("", 4);
    let seed = 7;
    for (let n = 0; n < 3000; n++) {
      let line = "";
      const length = 5 + (n % 30);
      for (let i = 0; i < length; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        line += alphabet[seed % alphabet.length];
      }
      check(line);
    }
    expect(taken).toBeGreaterThan(2000);
    for (const line of ["r0-m1", "well-known (and/or) 100% @home!", "see http://example.com/x"])
      expect(isPlainLine(line)).toBe(true);
    // A marker at the start is not plain: the parser decides.
    expect(markdownToPlainText("- item")).toBe("• item");
    expect(isPlainLine("-a")).toBe(false);
    expect(isPlainLine("(a)")).toBe(false);
  });

  it("is linear on long runs of markdown punctuation", () => {
    for (const unit of ["*", "_", "[", "`", "*a", "_a ", "[a](", "![", "**a_"]) {
      const growth = measureGrowth(
        (t: string) => markdownToPlainText(t),
        unit.repeat(Math.ceil(2_000 / unit.length)),
        unit.repeat(Math.ceil(20_000 / unit.length)),
        { reference: (t: string) => t.split("").reverse().join("") },
      );
      expect(growth.ratio, `${JSON.stringify(unit)}: ${JSON.stringify(growth)}`).toBeLessThan(
        growth.limit,
      );
    }
  });
});
