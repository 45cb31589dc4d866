// Numbers other tools wrote in auth.json keep their exact spelling through a write, whatever
// other numbers the file holds: `1.0` beside `1`, a big integer beside its rounded digits,
// `-0.0` beside `0`. Asserted on the bytes of the file on disk after a real write.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { storePhotonToken, updateAuth, type JsonObject } from "../src/index.js";
import { homeWithAuth, useTempDirs } from "./support/temp.js";

const TOKEN = "tok-zzzzzzzzzzzzzzzzzzzzzzz";
const NOW = () => 1_763_000_000_000;
const tempDir = useTempDirs("cred-numbers-");

/** What storePhotonToken writes before `other` (keys sorted: credential_pool < other). */
const PREFIX =
  '{\n  "credential_pool": {\n    "photon": [\n      {\n' +
  `        "access_token": "${TOKEN}",\n        "issued_at": 1763000000\n      }\n    ]\n  },\n` +
  '  "other": ';

const homeWith = (text: string) => homeWithAuth(tempDir, text);

/** The bytes of the `other` value in auth.json after storePhotonToken over `text`. */
async function otherAfterStore(text: string): Promise<string> {
  const { home, path } = homeWith(text);
  await storePhotonToken(home, TOKEN, { now: NOW });
  const written = readFileSync(path, "utf8");
  expect(written.startsWith(PREFIX), written).toBe(true);
  expect(written.endsWith("\n}"), written).toBe(true);
  return written.slice(PREFIX.length, -2);
}

/** `lines` as the pretty value of a top-level key: one per line, the first unindented. */
const pretty = (...lines: string[]): string => lines.join("\n");

describe("a write keeps every number literal of data it did not change", () => {
  it.each([
    ["one float", '{"ratio":1.0}', pretty("{", '    "ratio": 1.0', "  }")],
    // Keys come out sorted (upstream's sort_keys=True); only the spelling of 1.0 was at stake.
    [
      "a float beside an int of the same value",
      '{"ratio":1.0,"count":1}',
      pretty("{", '    "count": 1,', '    "ratio": 1.0', "  }"),
    ],
    [
      "a float timestamp beside the same int",
      '{"a":1763000000.0,"b":1763000000}',
      pretty("{", '    "a": 1763000000.0,', '    "b": 1763000000', "  }"),
    ],
    [
      "an integer beyond 2^53 beside its rounded digits",
      '{"a":12345678901234567890,"b":12345678901234567000}',
      pretty("{", '    "a": 12345678901234567890,', '    "b": 12345678901234567000', "  }"),
    ],
    ["-0.0 beside 0", '{"a":-0.0,"b":0}', pretty("{", '    "a": -0.0,', '    "b": 0', "  }")],
    [
      "an array of one value spelled four ways",
      "[1, 1.0, 1e0, 10e-1]",
      pretty("[", "    1,", "    1.0,", "    1e0,", "    10e-1", "  ]"),
    ],
    [
      "nested arrays and objects, exponents in both cases",
      '{"x":[[1.0,1],{"y":[1E2,100,100.0]}],"z":{"x":1.0}, "w": 1e+16}',
      pretty(
        "{",
        '    "w": 1e+16,',
        '    "x": [',
        "      [",
        "        1.0,",
        "        1",
        "      ],",
        "      {",
        '        "y": [',
        "          1E2,",
        "          100,",
        "          100.0",
        "        ]",
        "      }",
        "    ],",
        '    "z": {',
        '      "x": 1.0',
        "    }",
        "  }",
      ),
    ],
    [
      "a __proto__ key and integer-like keys",
      '{"__proto__":{"n":2.50},"10":1.0,"9":1,"s":"1.0 in a string, \\"2.0\\""}',
      pretty(
        "{",
        '    "10": 1.0,',
        '    "9": 1,',
        '    "__proto__": {',
        '      "n": 2.50',
        "    },",
        '    "s": "1.0 in a string, \\"2.0\\""',
        "  }",
      ),
    ],
    [
      "escaped keys",
      '{"\\u00fc":1.0,"\\"q\\"":2.0,"ü2":3.0}',
      pretty("{", '    "\\"q\\"": 2.0,', '    "\\u00fc": 1.0,', '    "\\u00fc2": 3.0', "  }"),
    ],
  ])("%s", async (_label, other, expected) => {
    expect(await otherAfterStore(`{"other":${other}}`)).toBe(expected);
  });

  it("a key given twice: the last one wins, with its own spelling (as JSON.parse and Python read it)", async () => {
    expect(await otherAfterStore('{"other":{"a":1.0,"a":1}}')).toBe(
      pretty("{", '    "a": 1', "  }"),
    );
    expect(await otherAfterStore('{"other":{"a":1,"a":1.0}}')).toBe(
      pretty("{", '    "a": 1.0', "  }"),
    );
    expect(await otherAfterStore('{"other":{"a":{"b":2.0},"a":{"b":2}}}')).toBe(
      pretty("{", '    "a": {', '      "b": 2', "    }", "  }"),
    );
    expect(await otherAfterStore('{"other":{"a":[2.0],"a":{"0":2.0}},"other":[7.0,{"x":7}]}')).toBe(
      pretty("[", "    7.0,", "    {", '      "x": 7', "    }", "  ]"),
    );
  });

  it("a number the writer adds or changes is printed the default way, whatever the file spells elsewhere", async () => {
    // issued_at (added) equals a float other tools wrote: it stays an int.
    expect(await otherAfterStore('{"other":{"t":1763000000.0}}')).toBe(
      pretty("{", '    "t": 1763000000.0', "  }"),
    );
    const { home, path } = homeWith('{"other":{"n":2.50,"ratio":1.0,"list":[1.0,2.0]}}');
    await updateAuth(home, (d) => {
      const other = d["other"] as JsonObject;
      other["n"] = 3;
      other["added"] = 1;
      (other["list"] as number[]).push(3);
    });
    expect(readFileSync(path, "utf8")).toBe(
      pretty(
        "{",
        '  "other": {',
        '    "added": 1,',
        '    "list": [',
        "      1.0,",
        "      2.0,",
        "      3",
        "    ],",
        '    "n": 3,',
        '    "ratio": 1.0',
        "  }",
        "}",
      ),
    );
  });

  it("a file already in upstream's format keeps every byte of other tools' data (property)", async () => {
    // Any JSON number spelling, in any mix, in arrays and objects (keys unique, written in
    // sorted order and pretty-printed as upstream does, so the expected bytes are the input's).
    const digits = (min: number, max: number) =>
      fc
        .array(fc.constantFrom(..."0123456789"), { minLength: min, maxLength: max })
        .map((d) => d.join(""));
    const anyLiteral = fc
      .tuple(
        fc.boolean(),
        fc.oneof(fc.constant("0"), fc.tuple(fc.constantFrom(..."123456789"), digits(0, 24))),
        fc.option(digits(1, 4), { nil: undefined }),
        fc.option(
          fc.tuple(fc.constantFrom("e", "E"), fc.constantFrom("", "+", "-"), digits(1, 2)),
          {
            nil: undefined,
          },
        ),
      )
      .map(([neg, int, frac, exp]) => {
        const i = typeof int === "string" ? int : int.join("");
        return `${neg ? "-" : ""}${i}${frac === undefined ? "" : `.${frac}`}${exp === undefined ? "" : exp.join("")}`;
      })
      .filter((lit) => Number.isFinite(Number(lit)));
    // Spellings of one value side by side: what a map by value confused.
    const literal = fc.oneof(
      anyLiteral,
      fc.constantFrom(
        ...["1", "1.0", "1e0", "10e-1", "0", "-0", "0.0", "-0.0", "1763000000", "1763000000.0"],
        ...["12345678901234567890", "12345678901234567000", "1.5", "15e-1", "1e+16", "1E16"],
      ),
    );
    const KEYS = ["10", "9", "B", "__proto__", "a", "b", "\\u00fc"]; // code point order
    type Tree = string | { arr: Tree[] } | { obj: Array<readonly [string, Tree]> };
    const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
      tree: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        literal,
        fc.constantFrom('"x1.0"', "true", "null"),
        fc.array(tie("tree"), { maxLength: 5 }).map((arr) => ({ arr })),
        fc
          .subarray(KEYS, { minLength: 1 })
          .chain((keys) => fc.tuple(...keys.map((k) => tie("tree").map((v) => [k, v] as const))))
          .map((obj) => ({ obj })),
      ),
    }));
    const render = (t: Tree, indent: string): string => {
      if (typeof t === "string") return t;
      const inner = indent + "  ";
      if ("arr" in t)
        return t.arr.length === 0
          ? "[]"
          : `[\n${t.arr.map((v) => inner + render(v, inner)).join(",\n")}\n${indent}]`;
      return `{\n${t.obj.map(([k, v]) => `${inner}"${k}": ${render(v, inner)}`).join(",\n")}\n${indent}}`;
    };
    await fc.assert(
      fc.asyncProperty(tree, async (t) => {
        const other = render(t, "  ");
        expect(await otherAfterStore(`{\n  "other": ${other}\n}`)).toBe(other);
      }),
      { numRuns: 100, seed: 11 },
    );
  });
});
