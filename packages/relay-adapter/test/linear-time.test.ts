// Parsers at the trust boundary are linear in their input: 10x the input must cost well under
// 100x the time (quadratic); we require < 20x (measureGrowth, see tooling/vitest/growth.js),
// scaled by how much worse than 10x a linear reference on the same inputs (a raw base64 decode,
// a join of the pieces) fares in the same rounds: under a loaded CI, large inputs suffer more.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { measureGrowth } from "@hermes/vitest-config/growth";
import { describe, expect, it } from "vitest";
import { decodeForwardBody, encodeFrame, FrameDecoder } from "../src/protocol/index.js";

const LINEAR = 20;

/** How `run` grows from the input `make(n)` to `make(10 * n)`, beside a linear `reference`. */
function growth<T>(
  n: number,
  make: (n: number) => T,
  run: (input: T) => unknown,
  reference: (input: T) => unknown,
) {
  // A longer budget than the default: under a loaded CI the minimum needs more rounds to find a
  // quiet moment (a pass stops at the first round under the limit, so it costs nothing then).
  return measureGrowth(run, make(n), make(10 * n), { bound: LINEAR, reference, budgetMs: 20_000 });
}

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
    const g = growth(100_000, make, decodeForwardBody, (body) => Buffer.from(body, "base64"));
    expect(g.ratio, JSON.stringify(g)).toBeLessThan(g.limit);
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
  const decode = (chunks: (string | Buffer)[]): number => {
    const d = new FrameDecoder();
    let frames = 0;
    for (const c of chunks) frames += d.push(c).frames.length;
    if (frames !== 1) throw new Error(`expected one frame, got ${frames}`);
    return frames;
  };

  it("grows linearly with a frame delivered in same-size pieces", () => {
    const g = growth(256 * 1024, pieces, decode, (chunks) => JSON.parse(chunks.join("")));
    expect(g.ratio, JSON.stringify(g)).toBeLessThan(g.limit);
  });

  /** The UTF-8 bytes of one legal frame of about `n` bytes (non-ASCII text), cut blindly. */
  const bytePieces = (n: number): Buffer[] => {
    const wire = Buffer.from(encodeFrame({ type: "inbound", event: { text: "é✓".repeat(n / 5) } }));
    const out: Buffer[] = [];
    for (let i = 0; i < wire.length; i += PIECE) out.push(wire.subarray(i, i + PIECE));
    return out;
  };

  it("grows linearly with a frame's bytes delivered in same-size pieces", () => {
    const g = growth(256 * 1024, bytePieces, decode, (chunks) =>
      JSON.parse(Buffer.concat(chunks).toString("utf8")),
    );
    expect(g.ratio, JSON.stringify(g)).toBeLessThan(g.limit);
  });

  /** A long run of one byte and no newline, in many tiny messages: an unterminated line. */
  const tinyPieces = (n: number): Buffer[] => {
    const run = Buffer.alloc(n, "x");
    const out: Buffer[] = [];
    for (let i = 0; i < run.length; i += 16) out.push(run.subarray(i, i + 16));
    return out;
  };

  it("grows linearly with a long run of one byte without a newline in tiny pieces", () => {
    const buffer = (chunks: Buffer[]): number => {
      const d = new FrameDecoder();
      for (const c of chunks) d.push(c);
      if (d.pending !== chunks.length * 16) throw new Error(`pending ${d.pending}`);
      return d.pending;
    };
    const g = growth(64 * 1024, tinyPieces, buffer, (chunks) => Buffer.concat(chunks).length);
    expect(g.ratio, JSON.stringify(g)).toBeLessThan(g.limit);
  });

  it("holds a partial line sent one byte per message in memory near its size, not ~100 bytes per message", () => {
    // A Buffer kept per message would cost ~100 bytes of heap beside its one byte: a peer could
    // make the 32 MiB cap hold gigabytes. Measured after a full GC, with the decoder alive.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const d = new FrameDecoder();
    gc();
    const before = process.memoryUsage();
    const n = 400_000;
    for (let i = 0; i < n; i++) d.push(Buffer.from([0x78]));
    gc();
    const after = process.memoryUsage();
    expect(d.pending).toBe(n);
    const held = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
    // A Buffer kept per message: ~46 MB here (116 bytes per byte). Merged: the bytes, a Buffer
    // per 256 of them, and a few MB of this process's own noise.
    expect(held, `${(held / 1e6).toFixed(1)} MB held for ${n} bytes`).toBeLessThan(20 * n);
  });
});
