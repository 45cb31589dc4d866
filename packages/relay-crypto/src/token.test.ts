import { describe, expect, it } from "vitest";
import { makeToken, makeUpgradeToken, verifyToken } from "./token.js";

const SECRET = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const FROZEN =
  "Z3ctaW5zdGFuY2UtMTowOjM3YWE3YjE0NWU4NzY0ZDQwM2JhOWM2MzlmMjMwZGQ2M2RlOGVkOTliODhmZWQzNmFhMDI2MjVhOGE3ZTM1NjQ";

describe("makeToken / verifyToken", () => {
  it("reproduces the frozen upstream token", () => {
    expect(makeToken("gw-instance-1", SECRET, 0)).toBe(FROZEN);
    expect(Buffer.from(FROZEN, "base64url").toString()).toBe(
      "gw-instance-1:0:37aa7b145e8764d403ba9c639f230dd63de8ed99b88fed36aa02625a8a7e3564",
    );
    expect(verifyToken(FROZEN, [SECRET])).toBe("gw-instance-1");
  });

  it("keys the HMAC with the secret's UTF-8 bytes, never hex-decoding it", () => {
    const hexKeyed = makeToken("gw-instance-1", Buffer.from(SECRET, "hex").toString("latin1"), 0);
    expect(hexKeyed).not.toBe(FROZEN);
  });

  it("accepts padded and unpadded forms", () => {
    const token = makeToken("gw-1", "s", 0); // "gw-1:0:<64 hex>" = 71 bytes → one "=" dropped
    expect(token.endsWith("=")).toBe(false);
    expect(token.length % 4).not.toBe(0);
    const padded = token + "=".repeat((4 - (token.length % 4)) % 4);
    expect(verifyToken(padded, ["s"])).toBe("gw-1");
    expect(verifyToken(`${padded}=`, ["s"])).toBeNull();
  });

  it("keeps colons inside the payload", () => {
    const token = makeToken("a:b::c", "k", 60, { now: 1000 * 1000 });
    expect(verifyToken(token, ["k"], { now: 1000 * 1000 })).toBe("a:b::c");
  });

  it("is valid at its expiry second and invalid one second later", () => {
    const token = makeUpgradeToken("gw-1", "k", 300, { now: 1_000.9 * 1000 });
    expect(Buffer.from(token, "base64url").toString()).toMatch(/^gw-1:1300:/);
    expect(verifyToken(token, ["k"], { now: 1300 * 1000 })).toBe("gw-1");
    expect(verifyToken(token, ["k"], { now: 1301 * 1000 })).toBeNull();
  });

  it("never expires with ttl 0 or negative", () => {
    for (const ttl of [0, -5]) {
      const token = makeToken("p", "k", ttl, { now: 5 * 1000 });
      expect(Buffer.from(token, "base64url").toString()).toMatch(/^p:0:/);
      expect(verifyToken(token, ["k"], { now: 10 ** 15 })).toBe("p");
    }
  });

  it("verifies against any non-empty secret of a rotation list", () => {
    const token = makeToken("gw", "old", 0);
    expect(verifyToken(token, ["", "new", "old"])).toBe("gw");
    expect(verifyToken(token, ["new"])).toBeNull();
    expect(verifyToken(makeToken("gw", "", 0), [""])).toBeNull();
  });

  it("returns null for garbage", () => {
    for (const bad of ["", "!!!", "a", "Zm9v", "Zm9vOmJhcg", "Zm9vOng6YWI"]) {
      expect(verifyToken(bad, ["k"])).toBeNull();
    }
    expect(verifyToken(undefined as unknown as string, ["k"])).toBeNull();
    expect(verifyToken(FROZEN, null as unknown as string[])).toBeNull();
  });
});
