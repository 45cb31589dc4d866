import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isUsableSecret,
  makeToken,
  makeUpgradeToken,
  sign,
  signDelivery,
  verifyDeliverySignature,
  verifySignature,
  verifyToken,
} from "../src/index.js";

// Well-formed Unicode only: a lone surrogate has no UTF-8 encoding, so no two implementations
// could be expected to agree on it (Node substitutes U+FFFD, Python raises).
const text = fc.string({ unit: "grapheme", maxLength: 80 });
const secret = fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 });
const now = fc.integer({ min: 0, max: 4_000_000_000 });

describe("no function throws on arbitrary input", () => {
  it("verifiers return false/null on anything", () => {
    fc.assert(
      fc.property(
        fc.anything(),
        fc.anything(),
        fc.anything(),
        fc.anything(),
        fc.anything(),
        (a, b, c, d, e) => {
          const r1 = verifyToken(a as string, b as string[], c as { now?: number });
          const r2 = verifySignature(a as string, b as string, c as string[]);
          const r3 = verifyDeliverySignature(
            a as string,
            b as string,
            c as string,
            d as string[],
            e as { now?: number },
          );
          expect(r1 === null || typeof r1 === "string").toBe(true);
          expect(typeof r2).toBe("boolean");
          expect(typeof r3).toBe("boolean");
          expect(typeof isUsableSecret(a)).toBe("boolean");
        },
      ),
    );
  });

  it("verifiers return false/null on arbitrary strings, including broken Unicode", () => {
    const any = fc.string({ unit: "binary", maxLength: 200 });
    fc.assert(
      fc.property(any, any, any, fc.array(any, { maxLength: 3 }), (a, b, c, keys) => {
        expect(verifyToken(a, keys)).toBeNull();
        expect(verifySignature(a, b, keys)).toBe(false);
        expect(verifyDeliverySignature(a, b, c, keys)).toBe(false);
      }),
    );
  });

  it("minting accepts any string payload, secret, ttl and clock", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary" }),
        fc.string({ unit: "binary" }),
        fc.double(),
        fc.double(),
        (p, s, ttl, t) => {
          expect(typeof makeToken(p, s, ttl, { now: t * 1000 })).toBe("string");
          expect(sign(p, s)).toMatch(/^[0-9a-f]{64}$/);
          expect(signDelivery(p, s, { now: t * 1000 }).signature).toMatch(/^[0-9a-f]{64}$/);
        },
      ),
    );
  });
});

describe("round trips", () => {
  it("make → verify gives the payload back for any Unicode payload and secret", () => {
    fc.assert(
      fc.property(
        text,
        secret,
        fc.integer({ min: -10, max: 10_000 }),
        now,
        (payload, s, ttl, t) => {
          fc.pre(isUsableSecret(s) || s.length > 0);
          expect(
            verifyToken(makeToken(payload, s, ttl, { now: t * 1000 }), [s], { now: t * 1000 }),
          ).toBe(payload);
          expect(
            verifyToken(makeUpgradeToken(payload, s, ttl, { now: t * 1000 }), ["other", s], {
              now: t * 1000,
            }),
          ).toBe(payload);
        },
      ),
    );
  });

  it("signDelivery → verifyDeliverySignature for string and byte bodies", () => {
    fc.assert(
      fc.property(text, fc.uint8Array({ maxLength: 200 }), secret, now, (body, bytes, key, t) => {
        const a = signDelivery(body, key, { now: t * 1000 });
        expect(
          verifyDeliverySignature(body, a.timestamp, a.signature, [key], { now: t * 1000 }),
        ).toBe(true);
        expect(
          verifyDeliverySignature(Buffer.from(body, "utf8"), a.timestamp, a.signature, [key], {
            now: t * 1000,
          }),
        ).toBe(true);
        const b = signDelivery(bytes, key, { now: t * 1000 });
        expect(
          verifyDeliverySignature(bytes, b.timestamp, b.signature, [key], {
            now: (t + 300) * 1000,
          }),
        ).toBe(true);
        expect(
          verifyDeliverySignature(bytes, b.timestamp, b.signature, [key], {
            now: (t + 301) * 1000,
          }),
        ).toBe(false);
      }),
    );
  });
});

describe("single-character changes are rejected", () => {
  const alphabet = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="];

  it("in a token", () => {
    fc.assert(
      fc.property(text, secret, fc.nat(), fc.constantFrom(...alphabet), (payload, s, at, ch) => {
        const token = makeToken(payload, s, 0);
        const i = at % token.length;
        fc.pre(token[i] !== ch);
        const changed = token.slice(0, i) + ch + token.slice(i + 1);
        const decoded = Buffer.from(token, "base64url").toString("utf8");
        const changedDecoded = Buffer.from(changed, "base64url").toString("utf8");
        // Upper-case hex is an accepted spelling of the same signature (docs/contract/relay.md#hmac-primitive), so a
        // change that only flips the case of a signature digit is the same token.
        fc.pre(
          decoded.toLowerCase() !== changedDecoded.toLowerCase() ||
            decoded.slice(0, -64) !== changedDecoded.slice(0, -64),
        );
        expect(verifyToken(changed, [s])).toBeNull();
      }),
    );
  });

  it("in a signature", () => {
    fc.assert(
      fc.property(
        text,
        secret,
        fc.nat(),
        fc.constantFrom(..."0123456789abcdefg "),
        (payload, s, at, ch) => {
          const sig = sign(payload, s);
          const i = at % sig.length;
          fc.pre(sig[i] !== ch);
          expect(verifySignature(payload, sig.slice(0, i) + ch + sig.slice(i + 1), [s])).toBe(
            false,
          );
        },
      ),
    );
  });
});

describe("string keys and parts are hashed as their UTF-8 bytes", () => {
  it("sign equals HMAC-SHA256 over Buffer.from(…, 'utf8') of key and payload, lone surrogates included", () => {
    const any = fc.string({ unit: "binary", maxLength: 120 });
    fc.assert(
      fc.property(any, any, (payload, key) => {
        const reference = createHmac("sha256", Buffer.from(key, "utf8"))
          .update(Buffer.from(payload, "utf8"))
          .digest("hex");
        expect(sign(payload, key)).toBe(reference);
        expect(sign(Buffer.from(payload, "utf8"), key)).toBe(reference);
      }),
    );
  });
});

describe("base64url decoding accepts only canonical encodings", () => {
  it("of every last character, only the canonical one decodes (padded or not), to the original bytes", async () => {
    const { decodeBase64Url } = await import("../src/bytes.js");
    const alphabet = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"];
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
        const canonical = Buffer.from(bytes).toString("base64url");
        const padding = "=".repeat((4 - (canonical.length % 4)) % 4);
        for (const ch of alphabet) {
          const candidate = canonical.slice(0, -1) + ch;
          for (const spelled of [candidate, candidate + padding]) {
            const decoded = decodeBase64Url(spelled);
            if (candidate === canonical)
              expect(decoded && Buffer.compare(decoded, Buffer.from(bytes))).toBe(0);
            else if (decoded !== null) expect(decoded.toString("base64url")).toBe(candidate); // a different, canonical encoding
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("adversarial inputs: runs of one character, padding, broken Unicode, huge sizes", () => {
  // Strings made of long runs of characters that sit on the parsers' edges: base64 padding,
  // the other base64 alphabet, separators, digits, spaces and signs, lone surrogates, astral
  // characters, and a two-byte character whose low byte is an ASCII digit.
  const edge = fc.constantFrom(
    "=",
    "A",
    "_",
    "+",
    "/",
    ":",
    "0",
    "9",
    " ",
    "\t",
    "-",
    "a",
    "g",
    "\uD800",
    "\uDFFF",
    "🔌",
    "\u0130",
    "\u00a0",
  );
  const runs = fc
    .array(fc.tuple(edge, fc.integer({ min: 1, max: 3000 })), { minLength: 1, maxLength: 6 })
    .map((parts) => parts.map(([ch, n]) => ch.repeat(n)).join(""));
  const REFERENCE_INTEGER = /^[ \t\n\r\f\v]*([+-]?\d+)[ \t\n\r\f\v]*$/;
  const REFERENCE_HEX = /^(?:[0-9a-f]{2})+$/i;

  it("verifiers reject them without throwing", () => {
    fc.assert(
      fc.property(runs, runs, (a, b) => {
        expect(verifyToken(a, ["k"])).toBeNull();
        expect(verifyToken(Buffer.from(a, "utf8").toString("base64url"), ["k"])).toBeNull();
        expect(verifySignature(a, b, ["k"])).toBe(false);
        expect(verifyDeliverySignature(a, b, a, ["k"], { now: 1000 })).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("the one-pass integer and hex parsers agree with the regular expressions they replace", async () => {
    const { isHex, parseInteger, parseCanonicalSafeInteger, MAX_INTEGER_DIGITS } =
      await import("../src/bytes.js");
    const digitsIn = (s: string) => s.replace(/\D/g, "").length;
    fc.assert(
      fc.property(runs, (s) => {
        const m = REFERENCE_INTEGER.exec(s);
        const expected = m && digitsIn(m[1]!) <= MAX_INTEGER_DIGITS ? BigInt(m[1]!) : null;
        expect(parseInteger(s)).toBe(expected);
        expect(isHex(s)).toBe(REFERENCE_HEX.test(s));
        const fast = parseCanonicalSafeInteger(s);
        if (fast >= 0) expect(String(parseInteger(s))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it("an integer field is read up to 4300 digits (Python's int() limit), never beyond", async () => {
    const { parseInteger } = await import("../src/bytes.js");
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6000 }),
        fc.constantFrom("", "+", "-"),
        fc.constantFrom("", " ", "\t\n"),
        (n, sign, space) => {
          const text = `${space}${sign}${"0".repeat(n - 1)}7${space}`;
          expect(parseInteger(text)).toBe(n <= 4300 ? (sign === "-" ? -7n : 7n) : null);
        },
      ),
    );
  });

  it("strict UTF-8 decoding agrees with a fatal TextDecoder, BOM kept, on any bytes", async () => {
    const { decodeUtf8 } = await import("../src/bytes.js");
    const reference = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // encoded lone surrogates, overlongs, a BOM, beyond U+10FFFF, truncated sequences
      fc
        .array(
          fc.constantFrom(
            "eda080",
            "edbfbf",
            "c080",
            "e08080",
            "efbbbf",
            "f4908080",
            "f09f94",
            "41",
            "c3a9",
          ),
          { maxLength: 8 },
        )
        .map((xs) => Buffer.from(xs.join(""), "hex")),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        let expected: string | null;
        try {
          expected = reference.decode(b);
        } catch {
          expected = null;
        }
        expect(decodeUtf8(b)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("a token whose exp is spelled any way Python's int() reads verifies exactly when the normalized one does", () => {
    const spelling = fc.tuple(
      fc.constantFrom("", " ", "\t"),
      fc.constantFrom("", "+"),
      fc.integer({ min: 0, max: 30 }),
      fc.constantFrom("", " ", "\n"),
    );
    fc.assert(
      fc.property(
        text,
        secret,
        fc.integer({ min: 0, max: 2_000_000_000 }),
        spelling,
        (payload, s, exp, [lead, plus, zeros, trail]) => {
          const sig = sign(`${payload}:${exp}`, s);
          const spelled = `${lead}${plus}${"0".repeat(zeros)}${exp}${trail}`;
          const token = Buffer.from(`${payload}:${spelled}:${sig}`, "utf8").toString("base64url");
          expect(verifyToken(token, [s], { now: (exp === 0 ? 10 ** 10 : exp) * 1000 })).toBe(
            payload,
          );
          expect(verifyToken(token, [s], { now: (exp + 1) * 1000 })).toBe(
            exp === 0 ? payload : null,
          );
        },
      ),
    );
  });
});
