import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as rc from "../src/index.js";
import { evaluateCase } from "../scripts/evaluate-case.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vectorsPath = join(root, "vectors", "relay-auth.json");

interface Case {
  id: string;
  group: string;
  op: string;
  input: Record<string, unknown>;
  expected: unknown;
}
const doc = JSON.parse(readFileSync(vectorsPath, "utf8")) as {
  frozen: Record<string, string>;
  cases: Case[];
};

const evaluate = ({ op, input }: Case): unknown => evaluateCase(rc, op, input);

describe("relay-auth.json", () => {
  it("holds the frozen upstream vectors and enough generated cases of every required kind", () => {
    expect(doc.frozen.token).toBe(
      "Z3ctaW5zdGFuY2UtMTowOjM3YWE3YjE0NWU4NzY0ZDQwM2JhOWM2MzlmMjMwZGQ2M2RlOGVkOTliODhmZWQzNmFhMDI2MjVhOGE3ZTM1NjQ",
    );
    expect(doc.frozen.bodySignature).toBe(
      "ac9509c8dae52b5590f06378260877334ff1adc4b1c96bafa4b514165fae6dc6",
    );
    expect(doc.cases.length).toBeGreaterThanOrEqual(300);
    const groups = new Set(doc.cases.map((c) => c.group));
    for (const g of [
      "token-expiry",
      "token-rotation",
      "token-tampered",
      "signature-verify",
      "delivery-skew",
      "delivery-bytes",
    ]) {
      expect(groups).toContain(g);
    }
    // Both outcomes are represented, so agreement is not trivially "everything fails".
    const verdicts = doc.cases
      .filter((c) => c.op.startsWith("verify"))
      .map((c) => c.expected !== null && c.expected !== false);
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
  });

  it.each(doc.cases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    expect(evaluate(c)).toEqual(c.expected);
  });

  it("is what the generator produces today (regenerate with `pnpm vectors`)", () => {
    const run = spawnSync(
      process.execPath,
      [join(root, "scripts", "generate-vectors.mjs"), "--check"],
      { encoding: "utf8" },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});

describe("the independent Python checker", () => {
  const python = (file: string) =>
    spawnSync("python3", [join(root, "scripts", "check_vectors.py"), file], { encoding: "utf8" });

  it("agrees with every case", () => {
    const run = python(vectorsPath);
    expect(run.stdout).toMatch(
      new RegExp(`^vectors: ${doc.cases.length + 6} passed, 0 failed$`, "m"),
    );
    expect(run.status).toBe(0);
  });

  it("catches a single wrong expectation", () => {
    const broken = structuredClone(doc);
    const victim = broken.cases.find((c) => c.op === "makeToken")!;
    victim.expected = `${victim.expected as string}x`;
    const file = join(mkdtempSync(join(tmpdir(), "relay-vectors-")), "broken.json");
    writeFileSync(file, JSON.stringify(broken));
    const run = python(file);
    expect(run.stdout).toContain(`MISMATCH ${victim.id}`);
    expect(run.status).toBe(1);
  });
});
