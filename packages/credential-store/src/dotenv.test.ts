import fc from "fast-check";
import { measureGrowth } from "@hermes/vitest-config/growth";
import { describe, expect, it } from "vitest";
import {
  editDotenv,
  formatEnvValue,
  parseDotenv,
  parseEnvValue,
  removeDotenvKeys,
} from "./dotenv.js";

describe("parseDotenv", () => {
  it("reads comments, blanks, export, spacing, quotes, a BOM and CRLF; the first definition wins", () => {
    const text =
      '\uFEFF# comment\n\nA=1\nexport B=two\nC = spaced\r\nD="a \\"q\\" \\\\ # not a comment"\nE=\'lit \\n\'\nF=bare # comment\nA=second\nG=\n';
    expect([...parseDotenv(text)]).toEqual([
      ["A", "1"],
      ["B", "two"],
      ["C", "spaced"],
      ["D", 'a "q" \\ # not a comment'],
      ["E", "lit \\n"],
      ["F", "bare"],
      ["G", ""],
    ]);
  });

  it("skips lines that are not definitions", () => {
    expect([...parseDotenv("1BAD=x\nno equals\n=x\n  # A=1\nOK=1")]).toEqual([["OK", "1"]]);
  });
});

describe("formatEnvValue", () => {
  it.each([
    ["plain", "plain"],
    ["", ""],
    ["has space", '"has space"'],
    ["a#b", '"a#b"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["it's", '"it\'s"'],
    ["back\\slash", "back\\slash"],
    ["back\\slash and space", '"back\\\\slash and space"'],
    ["line\r\nbreak", "linebreak"],
  ])("%j → %s", (value, written) => {
    expect(formatEnvValue(value)).toBe(written);
  });

  it("parse(write(v)) round-trips adversarial values: long runs of quotes, backslashes, #, spaces, lone surrogates", () => {
    const edge = fc.constantFrom(
      "\\",
      '"',
      "'",
      "#",
      " ",
      "\t",
      "=",
      "\r",
      "\n",
      "\uD800",
      "\uDFFF",
      "🔌",
      "a",
      "$",
      "\u00a0",
    );
    const runs = fc
      .array(fc.tuple(edge, fc.integer({ min: 1, max: 2000 })), { minLength: 1, maxLength: 6 })
      .map((parts) => parts.map(([ch, n]) => ch.repeat(n)).join(""));
    fc.assert(
      fc.property(
        runs,
        fc.constantFrom("", "# note\n", "KEY=old\n", "\uFEFFexport KEY = 'x'\r\n"),
        (v, before) => {
          const text = editDotenv(before, [["KEY", v]]);
          expect(parseDotenv(text).get("KEY")).toBe(v.replace(/[\r\n]/g, ""));
          expect(
            text.split("\n").filter((l) =>
              l
                .replace(/^\uFEFF/, "")
                .replace(/^export /, "")
                .startsWith("KEY"),
            ),
          ).toHaveLength(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("parse(write(v)) gives back v (without \\r and \\n) for every value", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (v) => {
        const text = editDotenv("", [["KEY", v]]);
        expect(parseDotenv(text).get("KEY")).toBe(v.replace(/[\r\n]/g, ""));
        expect(parseEnvValue(formatEnvValue(v))).toBe(v.replace(/[\r\n]/g, ""));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("editDotenv", () => {
  it("replaces the FIRST definition in place and keeps every other line byte for byte", () => {
    const before =
      "# keep me\r\nexport TOKEN=old # trailing\nOTHER=1\nTOKEN=second\n\n  spaced = yes\n";
    const after = editDotenv(before, [["TOKEN", "new value"]]);
    expect(after).toBe('# keep me\r\nTOKEN="new value"\nOTHER=1\nTOKEN=second\n\n  spaced = yes\n');
  });

  it("appends a missing key, adding the newline the last line lacks", () => {
    expect(editDotenv("A=1", [["B", "2"]])).toBe("A=1\nB=2\n");
    expect(editDotenv("", [["B", "2"]])).toBe("B=2\n");
    expect(
      editDotenv("A=1\n", [
        ["B", "2"],
        ["A", "3"],
      ]),
    ).toBe("A=3\nB=2\n");
  });

  it("keeps a BOM and CRLF line endings of a replaced line", () => {
    expect(editDotenv("\uFEFFA=1\r\nB=2\r\n", [["A", "x"]])).toBe("\uFEFFA=x\r\nB=2\r\n");
  });

  it("never changes a line it does not set (property)", () => {
    const line = fc.oneof(
      fc.constantFrom("# comment", "", "   ", "export X=1", "Y = 2", "junk line", "Z='q'"),
      fc.string({ unit: "binary" }).map((s) => s.replace(/\n/g, "")),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.string(), (lines, v) => {
        const cleaned = lines.filter(
          (l) => !/^\s*(?:export\s+)?TARGET\s*=/.test(l.replace(/^\uFEFF/, "")),
        );
        const before = cleaned.length ? `${cleaned.join("\n")}\n` : "";
        const after = editDotenv(before, [["TARGET", v]]);
        expect(after.startsWith(before)).toBe(true);
        expect(parseDotenv(after).get("TARGET")).toBe(v.replace(/[\r\n]/g, ""));
      }),
    );
  });
});

describe("parsing stays linear on adversarial lines", () => {
  // A bare value with a long run of spaces and no '#' made `/\s+#.*$/` rescan the run from
  // each space (quadratic). 10x the input must cost well under 100x the time.
  it("a long run of spaces in a bare value or after '=' (10x input ⇒ < 20x time)", () => {
    const text = (n: number): string => {
      const spaces = " ".repeat(n);
      return `A=x${spaces}y\nB=${spaces}\nC=${spaces}z${spaces}\n`;
    };
    // The bound (20x) scales with how a plain copy of the same text grew (machine load).
    const growth = measureGrowth(parseDotenv, text(4_000), text(40_000), {
      reference: (t) => Buffer.from(t),
    });
    expect(growth.ratio, JSON.stringify(growth)).toBeLessThan(growth.limit);
    const spaces = " ".repeat(10);
    expect([...parseDotenv(`A=x${spaces}y\nB=${spaces}\nC=${spaces}z # c\n`)]).toEqual([
      ["A", `x${spaces}y`],
      ["B", ""],
      ["C", "z"],
    ]);
  });
});

describe("removeDotenvKeys", () => {
  it("removes the first definition of each key; every other byte stays", () => {
    const before = '\uFEFF# keep\r\nA=1\r\nexport B="two"\r\n# A=commented\r\nC=3\r\nA=dup\r\n';
    const { text, removed } = removeDotenvKeys(before, ["A", "B", "MISSING"]);
    expect(removed).toEqual(["A", "B"]);
    expect(text).toBe("\uFEFF# keep\r\n# A=commented\r\nC=3\r\nA=dup\r\n");
    expect(removeDotenvKeys("X=1", ["X"])).toEqual({ text: "", removed: ["X"] });
  });
});
