import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { serializeAuth, type JsonObject } from "./json.js";

describe("serializeAuth", () => {
  it("writes byte for byte what Python's json.dump(indent=2, sort_keys=True) writes", () => {
    const docs = fc.sample(
      fc.dictionary(
        fc.string({ unit: "grapheme", maxLength: 6 }),
        fc.jsonValue({ maxDepth: 3 }).filter((v) => !JSON.stringify(v).includes("-0") && !/e[+-]?\d/i.test(JSON.stringify(v))),
        { maxKeys: 6 },
      ),
      { numRuns: 150, seed: 7 },
    ) as JsonObject[];
    docs.push({ credential_pool: { photon: [{ access_token: "t", issued_at: 1763000000 }] }, zeta: "ünï ✓ 🔌", Alpha: [1, 2.5, null, true] });
    const python = `
import json, sys
docs = json.loads(sys.stdin.read())
sys.stdout.write(json.dumps([json.dumps(d, indent=2, sort_keys=True) for d in docs]))`;
    const expected = JSON.parse(execFileSync("python3", ["-c", python], { input: JSON.stringify(docs), encoding: "utf8" })) as string[];
    const ours = docs.map((d) => serializeAuth(d));
    for (let i = 0; i < docs.length; i++) expect(ours[i]).toBe(expected[i]);
  });
});
