import { measureGrowth } from "@hermes/vitest-config/growth";
import { seededRandom } from "@hermes/vitest-config/seeded-random";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { SettingsSource } from "./source.js";

const source = (yamlText: string) =>
  new SettingsSource({ env: {}, dotenv: null, yamlText, yamlPath: "/h/config.yaml" });

/** ` at line L, column C` of an offset, as the messages put it. */
function at(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return ` at line ${before.length}, column ${(before.at(-1) ?? "").length + 1}`;
}

/**
 * What yaml's own duplicate-key check (`uniqueKeys: true`, quadratic) reports first: the code
 * and position config.yaml's message must name, or null when the text has no YAML error.
 */
function yamlReports(text: string): string | null {
  const first = parseDocument(text, { prettyErrors: false, uniqueKeys: true }).errors[0];
  return first === undefined ? null : `(${first.code})${at(text, first.pos[0])};`;
}

function expectSameReport(text: string): void {
  const expected = yamlReports(text);
  const message = source(text).yamlError?.message ?? "";
  if (expected === null) expect(message, JSON.stringify(text)).not.toMatch(/not valid YAML: /);
  else expect(message, JSON.stringify(text)).toContain(expected);
}

describe("config.yaml keys repeated in one mapping", () => {
  it.each([
    ["top level", "a: 1\na: 2\n", 2, 1],
    ["in a block", "gateway:\n  agent: x\n  # c\n\n  agent: y\n", 5, 3],
    ["after a key with no value", "gateway:\n  agent:\n  agent: y\n", 2, 9],
    ["in a flow mapping", "gateway: {agent: x,\n  agent: y}\n", 2, 3],
    ["as explicit keys", "? a\n: 1\n? a\n: 2\n", 3, 3],
    ["with an anchor and a tag", "&k a: 1\n!!str a: 2\n", 2, 7],
    ["as equal numbers", "1: a\n1.0: b\n", 2, 1],
    ["as null keys", "~: a\nnull: b\n", 2, 1],
    ["as merge keys (merge keys are off)", "a: &x {b: 1}\nc:\n  <<: *x\n  <<: *x\n", 4, 3],
    ["inside a list", "l:\n  - a: 1\n    b: 2\n    a: 3\n", 4, 5],
    ["nested deeper than the first", "a:\n  b:\n    c: 1\n    c: 2\nb: 1\nb: 2\n", 4, 5],
  ])("%s: DUPLICATE_KEY at the position yaml names", (_what, text, line, column) => {
    const s = source(text);
    expect(s.yamlError).toMatchObject({
      code: "SETTINGS_YAML_INVALID",
      key: "config.yaml",
      source: "/h/config.yaml",
    });
    expect(s.yamlError?.message).toContain(
      `not valid YAML: a key repeated in one mapping (DUPLICATE_KEY) at line ${line}, column ${column}; fix or remove the file`,
    );
    expect(s.yaml("a")).toBeNull();
    expectSameReport(text);
  });

  it.each([
    ["different types", '1: a\n"1": b\n'],
    ["NaN keys (never equal)", ".nan: a\n.NaN: b\n"],
    ["alias keys", "x: &k a\n*k : 1\n*k : 2\n"],
    ["collection keys", "? [a]\n: 1\n? [a]\n: 2\n"],
    ["the same key in two mappings", "a:\n  k: 1\nb:\n  k: 2\n"],
    ["one key per pair of a flow list", "l: [a: 1, a: 2]\n"],
  ])("%s: no error, as yaml says", (_what, text) => {
    expect(source(text).yamlError).toBeNull();
    expectSameReport(text);
  });

  it("reports what yaml's own check reports first, syntax errors included (generated documents)", () => {
    const keys = [
      "a",
      "b",
      '"a"',
      "'a'",
      "1",
      "1.0",
      '"1"',
      "~",
      "<<",
      ".nan",
      "&x a",
      "!!str a",
      '"a\\q"',
      "*x",
      "&y\ta",
    ];
    const values = [
      "1",
      "x",
      "{a: 1, a: 2}",
      "{a: 1, b: 2}",
      "[a: 1, a: 2]",
      "*x",
      '"open',
      "[oops",
      "a: b",
      "",
      "- a: 1\n  a: 2",
      "{a: 1 a: 2}",
      "{a: 1,, a: 2}",
      "{a: [x, a: 1], a: 2}",
      '"bad\\q"',
      "{a: {b: 1, b: 2}, a: 3}",
      "{a: 1, a: {b: 1, b: 2}}",
      "{a: 1, a: 2",
      "a: 1\n a: 2",
      "|\n  text",
    ];
    const random = seededRandom(Number(process.env["YAML_FUZZ_SEED"] ?? 7));
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const runs = Number(process.env["YAML_FUZZ_RUNS"] ?? 1500);
    for (let run = 0; run < runs; run++) {
      const lines: string[] = [];
      let depth = 0;
      for (let n = 1 + Math.floor(random() * 8); n > 0; n--) {
        const indent = "  ".repeat(depth);
        const r = random();
        if (r < 0.15 && depth < 3) {
          lines.push(`${indent}${pick(keys)}:`);
          depth++;
        } else if (r < 0.25) {
          lines.push(`${indent}? ${pick(keys)}`, `${indent}: ${pick(values)}`);
        } else if (r < 0.3) {
          lines.push(`${indent}# comment`, "");
        } else if (r < 0.33) {
          lines.push(pick(["a", " x: 1", "\tx: 1", "...", "---", "%YAML 1.2", `${indent}a`]));
        } else if (r < 0.35) {
          lines.push(`${indent}${pick(keys)}:${pick(["", " ", "\t"])}`);
        } else {
          const value = pick(values).replaceAll("\n", `\n${indent}  `);
          lines.push(`${indent}${pick(keys)}: ${value}`);
        }
        if (depth > 0 && random() < 0.2) depth--;
      }
      expectSameReport(lines.join("\n") + "\n");
    }
  });

  // The timeout is a hang guard above the 20 s budget: a large input takes 0.4 s of CPU here,
  // several times that on a loaded 2-core CI machine.
  it(
    "stays linear in the number of keys (10x keys ⇒ well under 100x time)",
    { timeout: 90_000 },
    () => {
      // yaml's `uniqueKeys: true` compares each key with all earlier ones: 20k keys took 5 s,
      // 100k over a minute. The repeated last key must still be found, at its line.
      const yaml = (n: number): string =>
        "gateway:\n" + Array.from({ length: n }, (_, i) => `  zz${i}: x\n`).join("") + "  zz0: y\n";
      const small = yaml(1_000);
      const large = yaml(10_000);
      expect(source(large).yamlError?.message).toContain(
        "(DUPLICATE_KEY) at line 10002, column 3; fix or remove the file",
      );
      const growth = measureGrowth(source, small, large, {
        budgetMs: 20_000,
        // Parsing alone, linear by construction: how this machine treats a 10x larger text.
        reference: (text) => parseDocument(text, { uniqueKeys: false }),
      });
      expect(growth.ratio, JSON.stringify(growth)).toBeLessThan(growth.limit);
    },
  );
});

describe("config.yaml too deep or too aliased to parse", () => {
  it.each([
    ["a flow sequence nested 100,000 deep", `a: ${"[".repeat(100_000)}`],
    [
      "a block sequence nested 3,000 deep",
      Array.from({ length: 3_000 }, (_, i) => `${" ".repeat(i * 2)}-`).join("\n"),
    ],
  ])("%s: named as deep nesting, not only as aliases", (_what, text) => {
    const message = source(text).yamlError?.message ?? "";
    expect(message).toMatch(
      /not valid YAML: nesting too deep or too many aliases \(refused as a resource exhaustion attack\) \(RESOURCE_EXHAUSTION\) at line \d+, column \d+; fix or remove the file/,
    );
  });
});
