import { describe, expect, it } from "vitest";
import { signDelivery, verifyDeliverySignature } from "./delivery.js";
import { sign } from "./hmac.js";

const SECRET = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const BODY = '{"type":"message","event":{"text":"hi","source":{"chat_id":"c1"}}}';
const SIG = "ac9509c8dae52b5590f06378260877334ff1adc4b1c96bafa4b514165fae6dc6";

describe("delivery signatures", () => {
  it("reproduce the frozen upstream vector", () => {
    expect(signDelivery(BODY, SECRET, { now: 1750000000 * 1000 })).toEqual({
      timestamp: "1750000000",
      signature: SIG,
    });
    expect(sign(`1750000000.${BODY}`, SECRET)).toBe(SIG);
    expect(
      verifyDeliverySignature(BODY, "1750000000", SIG, [SECRET], { now: 1750000000 * 1000 }),
    ).toBe(true);
  });

  it("verify the exact bytes, never a re-serialization", () => {
    const spaced = JSON.stringify(JSON.parse(BODY), null, 1);
    expect(
      verifyDeliverySignature(spaced, "1750000000", SIG, [SECRET], { now: 1750000000 * 1000 }),
    ).toBe(false);
    expect(
      verifyDeliverySignature(`${BODY} `, "1750000000", SIG, [SECRET], { now: 1750000000 * 1000 }),
    ).toBe(false);
    expect(
      verifyDeliverySignature(Buffer.from(BODY), "1750000000", SIG, [SECRET], {
        now: 1750000000 * 1000,
      }),
    ).toBe(true);
  });

  it("accept a skew of exactly maxSkew and reject one more second, both ways", () => {
    const ts = "1000000";
    const sig = signDelivery("b", "k", { now: 1_000_000 * 1000 }).signature;
    for (const [now, ok] of [
      [1_000_300, true],
      [999_700, true],
      [1_000_301, false],
      [999_699, false],
    ] as const) {
      expect(verifyDeliverySignature("b", ts, sig, ["k"], { now: now * 1000 })).toBe(ok);
    }
    expect(
      verifyDeliverySignature("b", ts, sig, ["k"], { now: 1_000_010 * 1000, maxSkewSeconds: 5 }),
    ).toBe(false);
  });

  it("reject missing or malformed headers and wrong keys", () => {
    const { timestamp, signature } = signDelivery("b", "k", { now: 50 * 1000 });
    expect(verifyDeliverySignature("b", null, signature, ["k"], { now: 50 * 1000 })).toBe(false);
    expect(verifyDeliverySignature("b", timestamp, undefined, ["k"], { now: 50 * 1000 })).toBe(
      false,
    );
    expect(verifyDeliverySignature("b", "5O", signature, ["k"], { now: 50 * 1000 })).toBe(false);
    expect(verifyDeliverySignature("b", "50.0", signature, ["k"], { now: 50 * 1000 })).toBe(false);
    expect(verifyDeliverySignature("b", timestamp, signature, ["wrong"], { now: 50 * 1000 })).toBe(
      false,
    );
    expect(
      verifyDeliverySignature("b", timestamp, signature, ["new", "k"], { now: 50 * 1000 }),
    ).toBe(true);
  });

  it("takes its clock in milliseconds like Date.now(), and signs whole seconds", () => {
    expect(signDelivery("b", "k", { now: 1_750_000_000_999 }).timestamp).toBe("1750000000");
    const { timestamp, signature } = signDelivery("b", "k", { now: 1_750_000_000_000 });
    expect(
      verifyDeliverySignature("b", timestamp, signature, ["k"], { now: 1_750_000_300_999 }),
    ).toBe(true);
    expect(
      verifyDeliverySignature("b", timestamp, signature, ["k"], { now: 1_750_000_301_000 }),
    ).toBe(false);
  });
});
