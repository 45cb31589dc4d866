// Every verifier is linear in its (attacker-sized) input: 10x the input must cost well under
// 100x the time. Asserted as growth (measureGrowth, tooling/vitest/growth.js), never as a wall-clock budget.
import { describe, expect, it } from "vitest";
import { makeToken, verifyDeliverySignature, verifySignature, verifyToken } from "../src/index.js";
import { measureGrowth } from "@hermes/vitest-config/growth";

const MiB = 1024 * 1024;
const b64 = (text: string | Buffer) => Buffer.from(text).toString("base64url");

/** Adversarial token shapes, each a function of the token length (a multiple of 4). */
const tokenShapes: Record<string, (length: number) => string> = {
  "a run of '=' ending in one letter": (n) => "=".repeat(n - 1) + "A",
  "padding only": (n) => "=".repeat(n),
  "one letter repeated (decodes to NUL bytes)": (n) => "A".repeat(n),
  "letters then '=' past the allowed two": (n) => "A".repeat(n - 4) + "====",
  "a run of '+' (the other base64 alphabet)": (n) => "+".repeat(n),
  "a huge exp of digits": (n) =>
    b64(`p:${"1".repeat((n * 3) / 4 - 68)}:${"a".repeat(64)}`).slice(0, n),
  "a huge exp of spaces around one digit": (n) =>
    b64(`p:${" ".repeat((n * 3) / 4 - 69)}1:${"a".repeat(64)}`).slice(0, n),
  "colons only": (n) => b64(":".repeat((n * 3) / 4)),
  "4-byte characters": (n) => b64("🔌".repeat((n * 3) / 16)),
  "encoded lone surrogates (invalid UTF-8)": (n) => b64(Buffer.from("eda080".repeat(n / 4), "hex")),
  "a well-formed token with a huge payload": (n) => makeToken("x".repeat((n * 3) / 4 - 80), "k", 0),
};

describe("verifyToken is linear in the token", () => {
  it('rejects the reported input ("=" x 131071 + "A"), growing ~linearly from a tenth of it', () => {
    const crafted = "=".repeat(131071) + "A";
    expect(verifyToken(crafted, ["k"])).toBeNull();
    const growth = measureGrowth(
      (t: string) => verifyToken(t, ["k"]),
      "=".repeat(13107) + "A",
      crafted,
    );
    expect(growth.ratio, JSON.stringify(growth)).toBeLessThan(20);
  }, 120_000);

  for (const [name, shape] of Object.entries(tokenShapes)) {
    it(`1 MiB token, ${name}: rejected (or verified); 10x input < 20x time`, () => {
      const secret = name.includes("well-formed") ? "k" : "other";
      expect(verifyToken(shape(MiB), [secret]) === null || name.includes("well-formed")).toBe(true);
      // Growth is measured from ~10 KB to ~100 KB: a quadratic step already costs ~100x there,
      // while buffers of a megabyte make even a linear decode grow far past 10x on a loaded
      // machine (caches, GC of large allocations).
      const small = shape(MiB / 100 - ((MiB / 100) % 4));
      const large = shape(MiB / 10 - ((MiB / 10) % 4));
      // Reference: the raw decode of the same token, the least work any verifier does on it.
      const growth = measureGrowth((t: string) => verifyToken(t, [secret]), small, large, {
        reference: (t: string) => Buffer.from(t, "base64url").toString("latin1"),
      });
      expect(growth.ratio, JSON.stringify(growth)).toBeLessThan(growth.limit);
    });
  }
});

describe("the delivery and signature verifiers are linear in their headers", () => {
  const headerShapes: Record<string, (n: number) => string> = {
    digits: (n) => "1".repeat(n),
    "spaces then a digit": (n) => " ".repeat(n - 1) + "1",
    "digits then a letter": (n) => "9".repeat(n - 1) + "x",
    "hex then a non-hex letter": (n) => "a".repeat(n - 1) + "g",
  };
  for (const [name, shape] of Object.entries(headerShapes)) {
    it(`timestamp and signature of ${name}: false, 10x input < 20x time`, () => {
      const run = (h: string) =>
        verifyDeliverySignature("body", h, "ab".repeat(32), ["k"], { now: 1000 }) ||
        verifySignature("body", h, ["k"]);
      expect(run(shape(1_000_000))).toBe(false);
      // 10 KB → 100 KB (see above); the reference copies the header, linear by construction.
      const growth = measureGrowth(run, shape(10_000), shape(100_000), {
        reference: (h: string) => Buffer.from(h, "latin1"),
      });
      expect(growth.ratio, JSON.stringify(growth)).toBeLessThan(growth.limit);
    });
  }
});
