// Parsers at the trust boundary are linear in their input: 10x the input must
// cost well under 100x the time (quadratic); we require < 20x. See support/growth.ts.
import { describe, expect, it } from "vitest";
import { decodeForwardBody, encodeFrame, FrameDecoder } from "../src/protocol/index.js";
import { growthRatio } from "./support/growth.js";

const LINEAR = 20;

describe("passthrough base64 check", () => {
  const cases: [string, (n: number) => string][] = [
    ["a long run of one data character, then a bad one", (n) => `${"A".repeat(n)}!`],
    ["a long valid body", (n) => "QUJD".repeat(n / 4)],
    ["a long run of padding", (n) => `AAAA${"=".repeat(n)}`],
    ["padding followed by a long run of data", (n) => `AA==${"A".repeat(n)}`],
    ["a long run of whitespace", (n) => `AAAA${" ".repeat(n)}!`],
    ["data and whitespace interleaved", (n) => "QU \n".repeat(n / 4)],
  ];
  it.each(cases)("grows linearly: %s", (_name, make) => {
    expect(growthRatio(100_000, make, decodeForwardBody)).toBeLessThan(LINEAR);
  });
});

describe("FrameDecoder", () => {
  const PIECE = 16 * 1024;
  /** One legal frame of about `n` characters, cut into 16 KiB messages. */
  const pieces = (n: number): string[] => {
    const wire = encodeFrame({ type: "inbound", event: { text: "x".repeat(n) } });
    const out: string[] = [];
    for (let i = 0; i < wire.length; i += PIECE) out.push(wire.slice(i, i + PIECE));
    return out;
  };
  const decode = (chunks: string[]): number => {
    const d = new FrameDecoder();
    let frames = 0;
    for (const c of chunks) frames += d.push(c).frames.length;
    if (frames !== 1) throw new Error(`expected one frame, got ${frames}`);
    return frames;
  };

  it("grows linearly with a frame delivered in same-size pieces", () => {
    expect(growthRatio(256 * 1024, pieces, decode)).toBeLessThan(LINEAR);
  });
});
