import { execFileSync } from "node:child_process";
import fc from "fast-check";
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

  it("updating one key keeps 1.0, big integers and exponents of the rest as Python wrote them (-0.0 becomes 0)", () => {
    const script = `
import json, sys
doc = {"issued_at": 1763000000.0, "big": 12345678901234567890123, "tiny": 1e-07, "huge": 1e+16, "neg": -0.0,
       "pool": [{"ratio": 0.5, "n": 3, "f": 4.0, "text": "1.0 in a string"}], "credential_pool": {}}
after = json.loads(json.dumps(doc))
after["credential_pool"]["photon"] = [{"access_token": "t", "issued_at": 1763000001}]
print(json.dumps([json.dumps(doc, indent=2, sort_keys=True), json.dumps(after, indent=2, sort_keys=True)]))`;
    const [before, after] = python(script, null) as [string, string];
    const literals = numberLiterals(before);
    const doc = JSON.parse(before) as JsonObject;
    (doc["credential_pool"] as JsonObject)["photon"] = [
      { access_token: "t", issued_at: 1763000001 },
    ];
    // -0.0 is the one loss: JS keeps no sign-of-zero literal apart (documented).
    expect(serializeAuth(doc, literals)).toBe(after.replace('"neg": -0.0', '"neg": 0'));
  });

  it("a value written with two different literals is ambiguous and printed the default way", () => {
    const text = '{"a": 1.0, "b": 1, "c": 2.0}';
    expect([...numberLiterals(text)]).toEqual([[2, "2.0"]]);
    expect(serializeAuth(JSON.parse(text) as JsonObject, numberLiterals(text))).toBe(
      '{\n  "a": 1,\n  "b": 1,\n  "c": 2.0\n}',
    );
  });
});
