import { describe, expect, it } from "vitest";
import { isUsableSecret, sign, verifySignature } from "./hmac.js";

describe("sign / verifySignature", () => {
  it("is HMAC-SHA256 keyed with the secret's UTF-8 bytes, as lowercase hex", () => {
    // RFC 4231 test case 2: key "Jefe".
    expect(sign("what do ya want for nothing?", "Jefe")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("signs bytes as exactly those bytes", () => {
    expect(sign(new Uint8Array(Buffer.from("héllo")), "k")).toBe(sign("héllo", "k"));
    const view = new Uint8Array(Buffer.from("xxhéllo")).subarray(2);
    expect(sign(view, "k")).toBe(sign("héllo", "k"));
  });

  it("accepts upper-case hex, rejects partial, odd, empty and non-hex signatures", () => {
    const sig = sign("p", "k");
    expect(verifySignature("p", sig, ["k"])).toBe(true);
    expect(verifySignature("p", sig.toUpperCase(), ["k"])).toBe(true);
    for (const bad of [
      "",
      sig.slice(1),
      sig.slice(0, 32),
      `${sig}0`,
      `${sig.slice(0, 62)}zz`,
      ` ${sig}`,
    ]) {
      expect(verifySignature("p", bad, ["k"])).toBe(false);
    }
  });

  it("skips empty and non-string secrets in the verify list", () => {
    const sig = sign("p", "k");
    expect(verifySignature("p", sig, ["", "x", "k"])).toBe(true);
    expect(verifySignature("p", sign("p", ""), [""])).toBe(false);
    expect(verifySignature("p", sig, [null, 3, "k"] as unknown as string[])).toBe(true);
  });
});

describe("isUsableSecret", () => {
  it("needs a string with a non-whitespace character", () => {
    expect(isUsableSecret("s")).toBe(true);
    expect(isUsableSecret("  s ")).toBe(true);
    for (const bad of ["", " ", "\t\n", "\u00a0", undefined, null, 1, {}])
      expect(isUsableSecret(bad)).toBe(false);
  });
});
