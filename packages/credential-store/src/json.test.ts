import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { measureGrowth } from "@hermes/vitest-config/growth";
import { describe, expect, it } from "vitest";
import { formatPythonNumber, numberLiterals, serializeAuth, type JsonObject } from "./json.js";

function python(script: string, input: unknown): unknown {
  return JSON.parse(
    execFileSync("python3", ["-c", script], { input: JSON.stringify(input), encoding: "utf8" }),
  );
}

describe("serializeAuth", () => {
  it("writes byte for byte what Python's json.dump(indent=2, sort_keys=True) writes", () => {
    const docs = fc.sample(
      fc.dictionary(
        fc.string({ unit: "grapheme", maxLength: 6 }),
        fc.jsonValue({ maxDepth: 3 }).filter((v) => !JSON.stringify(v).includes("-0")),
        { maxKeys: 6 },
      ),
      { numRuns: 150, seed: 7 },
    ) as JsonObject[];
    docs.push({
      credential_pool: { photon: [{ access_token: "t", issued_at: 1763000000 }] },
      zeta: "ünï ✓ 🔌",
      Alpha: [1, 2.5, null, true],
    });
    const python = `
import json, sys
docs = json.loads(sys.stdin.read())
sys.stdout.write(json.dumps([json.dumps(d, indent=2, sort_keys=True) for d in docs]))`;
    const expected = JSON.parse(
      execFileSync("python3", ["-c", python], { input: JSON.stringify(docs), encoding: "utf8" }),
    ) as string[];
    const ours = docs.map((d) => serializeAuth(d));
    for (let i = 0; i < docs.length; i++) expect(ours[i]).toBe(expected[i]);
  });
});

describe("numbers other tools wrote survive a rewrite byte for byte", () => {
  it("formatPythonNumber writes floats as Python's repr does", () => {
    const values = [
      0.1,
      1.5,
      -2.5e-10,
      1e-5,
      0.0001,
      0.00012,
      1763000000.5,
      1234567890123456.8,
      3,
      -7,
      2 ** 60,
      1e21,
    ];
    const expected = python(
      "import json,sys\nprint(json.dumps([json.dumps(v) for v in json.loads(sys.stdin.read())]))",
      values,
    ) as string[];
    expect(values.map(formatPythonNumber)).toEqual(expected);
  });

  it("updating one key keeps 1.0, big integers, exponents and -0.0 of the rest as Python wrote them", () => {
    const script = `
import json, sys
doc = {"issued_at": 1763000000.0, "big": 12345678901234567890123, "tiny": 1e-07, "huge": 1e+16, "neg": -0.0,
       "pool": [{"ratio": 0.5, "n": 3, "f": 4.0, "text": "1.0 in a string"}], "credential_pool": {},
       "same": [1, 1.0, 1763000000, 1763000000.0, 12345678901234567890, 12345678901234567000]}
after = json.loads(json.dumps(doc))
after["credential_pool"]["photon"] = [{"access_token": "t", "issued_at": 1763000000}]
print(json.dumps([json.dumps(doc, indent=2, sort_keys=True), json.dumps(after, indent=2, sort_keys=True)]))`;
    const [before, after] = python(script, null) as [string, string];
    const literals = numberLiterals(before);
    const doc = JSON.parse(before) as JsonObject;
    (doc["credential_pool"] as JsonObject)["photon"] = [
      { access_token: "t", issued_at: 1763000000 },
    ];
    expect(serializeAuth(doc, literals)).toBe(after);
  });

  it("literals are kept by place: one value spelled two ways keeps both spellings", () => {
    const text = '{"a": 1.0, "b": 1, "c": [2.0, 2], "d": {"e": 1}}';
    expect(serializeAuth(JSON.parse(text) as JsonObject, numberLiterals(text))).toBe(
      '{\n  "a": 1.0,\n  "b": 1,\n  "c": [\n    2.0,\n    2\n  ],\n  "d": {\n    "e": 1\n  }\n}',
    );
    // Only the arrays and objects on the way to a literal the printer would change get a node.
    const literals = numberLiterals(text);
    expect(literals instanceof Map && [...literals.keys()]).toEqual(["a", "c"]);
    expect(numberLiterals('{"a": [1, 2.5, {"b": "1.0"}], "c": -3}')).toBeUndefined();
  });

  it("a literal is used only where the document still holds its value; a moved value prints the default way", () => {
    const text = '{"a": 1.0, "b": [1.0, 2.0], "c": {"d": 3.0}}';
    const doc = JSON.parse(text) as JsonObject;
    doc["a"] = 2; // changed
    (doc["b"] as number[]).reverse(); // moved
    doc["e"] = doc["c"]!; // copied: "c" keeps its spelling, its copy does not
    expect(serializeAuth(doc, numberLiterals(text))).toBe(
      '{\n  "a": 2,\n  "b": [\n    2,\n    1\n  ],\n  "c": {\n    "d": 3.0\n  },\n  "e": {\n    "d": 3\n  }\n}',
    );
  });

  it("whatever the writer changes, the text written reads back as the document (property)", () => {
    const number = fc.oneof(
      fc.constantFrom("1", "1.0", "1e0", "-0.0", "-0", "0.0", "12345678901234567890", "1E+2"),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
    );
    const { json } = fc.letrec<{ json: string }>((tie) => ({
      json: fc.oneof(
        { depthSize: "small" },
        number,
        fc.constantFrom('"s"', "null", "true"),
        fc.array(tie("json"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
        fc
          .array(fc.tuple(fc.constantFrom("a", "b", "__proto__", "0", "\\u00fc"), tie("json")), {
            maxLength: 4,
          })
          .map((entries) => `{${entries.map(([k, v]) => `"${k}":${v}`).join(",")}}`),
      ),
    }));
    // Writer edits: at the n-th number of the document (in a walk), put a new value.
    const edits = fc.array(
      fc.tuple(
        fc.nat(),
        fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
      ),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(json, edits, (value, changes) => {
        const text = `{"x":${value}}`;
        const doc = JSON.parse(text) as JsonObject;
        const holders: Array<[Record<string, unknown>, string]> = [];
        const walk = (v: unknown): void => {
          if (typeof v !== "object" || v === null) return;
          for (const k of Object.keys(v)) {
            const child = (v as Record<string, unknown>)[k];
            if (typeof child === "number") holders.push([v as Record<string, unknown>, k]);
            else walk(child);
          }
        };
        walk(doc);
        for (const [n, to] of changes)
          if (holders.length > 0) {
            const [holder, key] = holders[n % holders.length]!;
            holder[key] = Object.is(to, -0) ? 0 : to; // a -0 the writer puts in is written 0 (README)
          }
        const written = serializeAuth(doc, numberLiterals(text));
        expect(JSON.parse(written)).toEqual(doc);
        if (changes.length === 0)
          expect(written).toBe(
            serializeAuth(JSON.parse(written) as JsonObject, numberLiterals(written)),
          );
      }),
      { numRuns: 400, seed: 3 },
    );
  });
});

describe("keeping the literals stays linear on adversarial files", () => {
  // Where a literal is is kept as a tree the printer walks beside the document, never as a
  // path per number: in a chain of n nested arrays with a number at each level, paths would
  // cost n² to build. Each container's node is made once; a key given again only deletes.
  // 10x the input must cost well under 100x the time (the bound scales with a plain copy's).
  // Both sizes stay small enough for V8's young generation: with a chain 40 000 deep (the
  // size first used here) the large input's nodes were promoted and the small one's were not,
  // which alone doubled the time per level: a linear scan measured 16-20x on a quiet machine.
  it("a chain of nested arrays with a literal at each level, and keys given again and again (10x input ⇒ < 20x time)", () => {
    const text = (n: number): string =>
      `{"deep":${"[1.0,".repeat(n)}1.0${"]".repeat(n)},` +
      `"dup":{${'"k":{"a":[2.0]},"k":1.0,"\\u006b":1,'.repeat(n / 4)}"k":0.5}}`;
    const growth = measureGrowth((t) => numberLiterals(t), text(400), text(4_000), {
      reference: (t) => Buffer.from(t),
    });
    expect(growth.ratio, JSON.stringify(growth)).toBeLessThan(growth.limit);
  });

  it("a rewrite of many literals 999 levels down (10x input ⇒ < 20x time)", () => {
    const text = (n: number): string =>
      `{"x":${"[".repeat(998)}${"1.0,-0.0,".repeat(n)}1e0${"]".repeat(998)}}`;
    const rewrite = (t: string) => serializeAuth(JSON.parse(t) as JsonObject, numberLiterals(t));
    expect(rewrite(text(1))).toContain("1.0,\n");
    const growth = measureGrowth(rewrite, text(2_000), text(20_000), {
      reference: (t) => Buffer.from(t),
    });
    expect(growth.ratio, JSON.stringify(growth)).toBeLessThan(growth.limit);
  });
});
