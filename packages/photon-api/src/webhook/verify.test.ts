import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeWebhookSignature, verifyWebhookSignature } from "./verify.js";

const secret = "whsec_unit_test_secret";
const ts = 1700000000;
const now = ts * 1000;
const V1 = "v0=ac3e80450679a41e5ed5f9ff9aff097f99082ab39d4be1d6e5e4c3fba140ad75";
const V2 = "v0=5a52de69e8576ff7563f4cb021ffb3f28da2ae55cf17927e3eb5205861b6215c";

function headers(signature: string, timestamp: string | number = ts): Record<string, string> {
  return {
    "x-spectrum-event": "messages",
    "x-spectrum-webhook-id": "8a4f0a57-2b7e-4d4b-9d7c-2f3b7f8d9e10",
    "x-spectrum-timestamp": String(timestamp),
    "x-spectrum-signature": signature,
  };
}

describe("docs/contract/photon.md#webhook-signatures vectors", () => {
  it("computes both vectors", () => {
    expect(computeWebhookSignature(secret, ts, '{"event":"messages"}')).toBe(V1);
    expect(computeWebhookSignature(secret, ts, Buffer.from("payload"))).toBe(V2);
  });

  it("accepts the vectors, with and without the v0= prefix, string or bytes, Headers or object", () => {
    expect(
      verifyWebhookSignature({
        headers: headers(V1),
        rawBody: '{"event":"messages"}',
        secret,
        now,
      }),
    ).toEqual({ ok: true });
    expect(
      verifyWebhookSignature({
        headers: headers(V2.slice(3)),
        rawBody: Buffer.from("payload"),
        secret,
        now,
      }),
    ).toEqual({ ok: true });
    expect(
      verifyWebhookSignature({
        headers: new Headers(headers(V2)),
        rawBody: "payload",
        secret,
        now,
      }),
    ).toEqual({ ok: true });
  });

  it("tolerance: now-300 passes, now-301 is expired (both directions)", () => {
    const at = (t: number) =>
      verifyWebhookSignature({
        headers: headers(computeWebhookSignature(secret, t, "payload"), t),
        rawBody: "payload",
        secret,
        now,
      });
    expect(at(ts - 300)).toEqual({ ok: true });
    expect(at(ts + 300)).toEqual({ ok: true });
    expect(at(ts - 301)).toEqual({ ok: false, reason: "expired" });
    expect(at(ts + 301)).toEqual({ ok: false, reason: "expired" });
  });

  it("missing or non-numeric headers → missing-headers", () => {
    expect(verifyWebhookSignature({ headers: {}, rawBody: "payload", secret, now })).toEqual({
      ok: false,
      reason: "missing-headers",
    });
    expect(
      verifyWebhookSignature({ headers: headers(V2, "soon"), rawBody: "payload", secret, now }),
    ).toEqual({ ok: false, reason: "missing-headers" });
    expect(
      verifyWebhookSignature({
        headers: { "x-spectrum-timestamp": String(ts) },
        rawBody: "payload",
        secret,
        now,
      }),
    ).toEqual({ ok: false, reason: "missing-headers" });
  });

  it("tampered body, wrong secret, malformed hex, upper-case prefix mangling → signature-mismatch", () => {
    const mismatch = { ok: false, reason: "signature-mismatch" };
    expect(
      verifyWebhookSignature({ headers: headers(V2), rawBody: "payload!", secret, now }),
    ).toEqual(mismatch);
    expect(
      verifyWebhookSignature({ headers: headers(V2), rawBody: "payload", secret: "other", now }),
    ).toEqual(mismatch);
    expect(
      verifyWebhookSignature({ headers: headers("v0=zz"), rawBody: "payload", secret, now }),
    ).toEqual(mismatch);
    expect(
      verifyWebhookSignature({
        headers: headers(`v0=${"g".repeat(64)}`),
        rawBody: "payload",
        secret,
        now,
      }),
    ).toEqual(mismatch);
    expect(
      verifyWebhookSignature({ headers: headers(V2), rawBody: "payload", secret: "", now }),
    ).toEqual(mismatch);
  });
});

describe("property: never throws", () => {
  it("returns a result for arbitrary headers, bodies, secrets and clocks", () => {
    const headerValue = fc.oneof(
      fc.string(),
      fc.array(fc.string()),
      fc.constant(undefined),
      fc.anything(),
    );
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(
            fc.constantFrom("x-spectrum-timestamp", "X-Spectrum-Signature", "x-spectrum-signature"),
            fc.string(),
          ),
          headerValue,
        ),
        fc.oneof(fc.string(), fc.uint8Array()),
        fc.oneof(fc.string(), fc.anything()),
        fc.oneof(fc.double(), fc.integer(), fc.constant(undefined)),
        (h, body, s, n) => {
          const result = verifyWebhookSignature({
            headers: h as never,
            rawBody: body,
            secret: s as never,
            now: n as never,
          });
          expect(typeof result.ok).toBe("boolean");
        },
      ),
      { numRuns: 500 },
    );
  });

  it("accepts every correctly signed body and rejects any single-byte change", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.string({ minLength: 1 }),
        fc.nat(),
        (body, s, i) => {
          const sig = computeWebhookSignature(s, ts, body);
          expect(
            verifyWebhookSignature({ headers: headers(sig), rawBody: body, secret: s, now }),
          ).toEqual({ ok: true });
          const tampered = Uint8Array.from(body);
          const idx = i % tampered.length;
          tampered[idx] = (tampered[idx]! + 1) % 256;
          expect(
            verifyWebhookSignature({ headers: headers(sig), rawBody: tampered, secret: s, now }).ok,
          ).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("property: adversarial headers and bodies", () => {
  // Long runs of the characters the parsers care about, lone surrogates, astral characters,
  // and a two-byte character whose low byte is an ASCII digit.
  const edge = fc.constantFrom(
    "0",
    "9",
    "a",
    "f",
    "g",
    "=",
    "v",
    " ",
    "\t",
    ":",
    "-",
    "\uD800",
    "\uDFFF",
    "🔌",
    "\u0130",
    "\u0660",
  );
  const runs = fc
    .array(fc.tuple(edge, fc.integer({ min: 1, max: 4000 })), { minLength: 1, maxLength: 5 })
    .map((parts) => parts.map(([ch, n]) => ch.repeat(n)).join(""));

  it("never throws and never accepts: runs in the timestamp, the signature and the body", () => {
    fc.assert(
      fc.property(runs, runs, fc.oneof(runs, fc.constant(String(ts))), (body, sig, timestamp) => {
        const result = verifyWebhookSignature({
          headers: headers(sig.startsWith("v0=") ? sig : `v0=${sig}`, timestamp),
          rawBody: body,
          secret,
          now,
        });
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("a correctly signed body made of such runs verifies, as a string and as its UTF-8 bytes", () => {
    fc.assert(
      fc.property(runs, (body) => {
        const sig = computeWebhookSignature(secret, ts, body);
        expect(
          verifyWebhookSignature({ headers: headers(sig), rawBody: body, secret, now }),
        ).toEqual({ ok: true });
        expect(
          verifyWebhookSignature({
            headers: headers(sig),
            rawBody: Buffer.from(body, "utf8"),
            secret,
            now,
          }),
        ).toEqual({ ok: true });
      }),
      { numRuns: 100 },
    );
  });
});
