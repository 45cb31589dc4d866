import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { encodeFrame, FrameDecoder, MAX_MALFORMED_REASONS, type DecodedChunk } from "./framing.js";
import { parseConnectorFrame, parseGatewayFrame } from "./frames.js";

/**
 * The [start, end) ranges that cut a stream of `length` at the given offsets (each taken
 * modulo length + 1, deduplicated): consecutive, covering it all, some possibly empty.
 */
function cutRanges(length: number, cuts: number[]): [number, number][] {
  const points = [...new Set(cuts.map((c) => c % (length + 1)))].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  let prev = 0;
  for (const p of [...points, length]) {
    ranges.push([prev, p]);
    prev = p;
  }
  return ranges;
}

/** UTF-8 bytes of `text` (a fresh Buffer, as ws emits). */
const utf8 = (text: string): Buffer => Buffer.from(text, "utf8");

/**
 * `r` without its `lines`, once they are checked: one per frame, each the text that frame was
 * parsed from (no "\n").
 */
function withoutLines(r: DecodedChunk): { frames: unknown[]; malformed: string[] } {
  expect(r.lines).toHaveLength(r.frames.length);
  for (const line of r.lines) expect(line).not.toContain("\n");
  expect(r.lines.map((l) => JSON.parse(l) as unknown)).toEqual(r.frames);
  return { frames: r.frames, malformed: r.malformed };
}

/** Push every piece; collect frames and malformed reports, and count the lines skipped. */
function pushAllCounted(d: FrameDecoder, pieces: Iterable<Parameters<FrameDecoder["push"]>[0]>) {
  const frames: unknown[] = [];
  const malformed: string[] = [];
  let malformedCount = 0;
  for (const piece of pieces) {
    const pushed = d.push(piece);
    const r = withoutLines(pushed);
    frames.push(...r.frames);
    malformed.push(...r.malformed);
    malformedCount += pushed.malformedCount;
  }
  return { frames, malformed, malformedCount };
}

/** Push every piece; collect frames and malformed reports. */
function pushAll(d: FrameDecoder, pieces: Iterable<Parameters<FrameDecoder["push"]>[0]>) {
  const { frames, malformed } = pushAllCounted(d, pieces);
  return { frames, malformed };
}

/** `bytes` cut at the given offsets (see {@link cutRanges}). */
function cutBytes(bytes: Buffer, cuts: number[]): Buffer[] {
  return cutRanges(bytes.length, cuts).map(([start, end]) => bytes.subarray(start, end));
}

describe("FrameDecoder", () => {
  it("splits several frames in one message and buffers a partial line across messages", () => {
    const d = new FrameDecoder();
    const wire = encodeFrame({ type: "a" }) + encodeFrame({ type: "b", n: 1 }) + '{"type":"c"';
    expect(d.push(wire).frames).toEqual([{ type: "a" }, { type: "b", n: 1 }]);
    expect(d.pending).toBeGreaterThan(0);
    expect(d.push(',"x":2}\n').frames).toEqual([{ type: "c", x: 2 }]);
    expect(d.pending).toBe(0);
  });

  it("skips malformed lines and non-objects without losing the frames around them", () => {
    const d = new FrameDecoder();
    const r = d.push('{"type":"a"}\nnot json\n[1,2]\n"s"\n\n{"type":"b"}\n');
    expect(r.frames).toEqual([{ type: "a" }, { type: "b" }]);
    expect(r.malformed).toHaveLength(3);
    expect(r.malformed.join(" ")).not.toContain("not json");
  });

  it("each() hands every frame over as its line is read, the same frames and lines as push()", () => {
    const stream = '{"a":1}\nnot json\n{"b":[2]}\n{"c":"✓"}\n{"d"';
    const pushed = new FrameDecoder().push(stream);
    const seen: [unknown, string][] = [];
    const parse = vi.spyOn(JSON, "parse");
    let parsedAtFirst = -1;
    const skipped = new FrameDecoder().each(stream, (frame, line) => {
      if (parsedAtFirst === -1) parsedAtFirst = parse.mock.calls.length;
      seen.push([frame, line]);
    });
    parse.mockRestore();
    // Streamed: when the first frame arrives only its own line has been parsed.
    expect(parsedAtFirst).toBe(1);
    expect(seen.map(([f]) => f)).toEqual(pushed.frames);
    expect(seen.map(([, l]) => l)).toEqual(pushed.lines);
    expect(skipped).toEqual({ malformed: pushed.malformed, malformedCount: 1 });
  });

  it("each(): a throwing callback does not break the framing; its first error is thrown once the chunk is read", () => {
    const d = new FrameDecoder();
    const seen: unknown[] = [];
    const boom = new Error("first");
    expect(() =>
      d.each('{"n":1}\n{"n":2}\n{"n":3}\n{"n":', (frame) => {
        seen.push(frame);
        if (frame["n"] !== 3) throw frame["n"] === 1 ? boom : new Error("second");
      }),
    ).toThrow(boom);
    expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(d.pending).toBeGreaterThan(0); // the partial line is kept
    const next: unknown[] = [];
    d.each("4}\n", (frame) => next.push(frame));
    expect(next).toEqual([{ n: 4 }]);
  });

  it("counts every skipped line but keeps only the first reasons", () => {
    const d = new FrameDecoder();
    const r = d.push(`${"x\n".repeat(100_000)}[1]\n{"type":"a"}\n`);
    expect(r.frames).toEqual([{ type: "a" }]);
    expect(r.malformedCount).toBe(100_001);
    expect(r.malformed).toHaveLength(MAX_MALFORMED_REASONS);
    expect(r.malformed[0]).toBe("invalid JSON (1 characters)");
    // The next push counts afresh.
    expect(d.push("[2]\n")).toMatchObject({
      malformedCount: 1,
      malformed: ["JSON value is not an object"],
    });
  });

  it("discards an unterminated line beyond the cap", () => {
    const d = new FrameDecoder({ maxLineBytes: 10 });
    expect(d.push('{"type":"aaaaaaaaaaaa').malformed).toHaveLength(1);
    expect(d.pending).toBe(0);
    expect(d.push('{"t":1}\n').frames).toEqual([{ t: 1 }]);
  });

  it("reassembles any frame sequence however the stream is cut", () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (frames, cuts) => {
          const stream = frames.map((f) => encodeFrame(f)).join("");
          const d = new FrameDecoder();
          const got: unknown[] = [];
          for (const [start, end] of cutRanges(stream.length, cuts))
            got.push(...d.push(stream.slice(start, end)).frames);
          expect(got).toEqual(JSON.parse(JSON.stringify(frames)));
        },
      ),
    );
  });
});

/** The former decoder (concatenate, re-scan), kept as the oracle for "same outputs". */
class FormerDecoder {
  #partial = "";
  constructor(readonly maxLine: number) {}
  push(chunk: string): { frames: unknown[]; malformed: string[] } {
    const out = { frames: [] as unknown[], malformed: [] as string[] };
    let data = this.#partial + chunk;
    let start = 0;
    for (let nl = data.indexOf("\n", start); nl !== -1; nl = data.indexOf("\n", start)) {
      const line = data.slice(start, nl);
      start = nl + 1;
      if (line.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        out.malformed.push(`invalid JSON (${line.length} characters)`);
        continue;
      }
      if (typeof value !== "object" || value === null || Array.isArray(value))
        out.malformed.push("JSON value is not an object");
      else out.frames.push(value);
    }
    data = data.slice(start);
    if (data.length > this.maxLine) {
      out.malformed.push(`partial line over ${this.maxLine} characters discarded`);
      data = "";
    }
    this.#partial = data;
    return out;
  }
}

describe("FrameDecoder against whole-frame decoding", () => {
  const line = fc.oneof(
    fc.dictionary(fc.string({ unit: "grapheme" }), fc.jsonValue()).map((f) => JSON.stringify(f)),
    fc.string({ unit: "grapheme" }).map((s) => s.replace(/\n/g, "")),
    fc.constantFrom("", "  ", "[1]", "null", '{"a":', "\r", '{"e":"😀é✓"}'),
  );
  const cutStream = (stream: string, cuts: number[]): string[] =>
    cutRanges(stream.length, cuts).map(([start, end]) => stream.slice(start, end));

  it("yields the same frames and malformed reports however the stream (or its UTF-8) is split", () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 10 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 20 }),
        (lines, terminated, cuts) => {
          const stream = lines.join("\n") + (terminated ? "\n" : "");
          const once = new FrameDecoder().push(stream);
          const whole = withoutLines(once);
          const tail = stream.slice(stream.lastIndexOf("\n") + 1);
          // Each push keeps the first MAX_MALFORMED_REASONS reasons and counts them all: pieces
          // give the same count, and their reasons begin with the whole push's.
          const sameAsWhole = (got: ReturnType<typeof pushAllCounted>) => {
            expect(got.frames).toEqual(whole.frames);
            expect(got.malformedCount).toBe(once.malformedCount);
            expect(got.malformed.slice(0, MAX_MALFORMED_REASONS)).toEqual(whole.malformed);
          };
          const split = new FrameDecoder();
          sameAsWhole(pushAllCounted(split, cutStream(stream, cuts)));
          expect(split.pending).toBe(tail.length);
          // The same stream as bytes, cut anywhere (inside a character too); pending counts bytes.
          const splitBytes = new FrameDecoder();
          sameAsWhole(pushAllCounted(splitBytes, cutBytes(utf8(stream), cuts)));
          expect(splitBytes.pending).toBe(Buffer.byteLength(tail));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("gives exactly the former decoder's outputs, line cap included", () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.integer({ min: 1, max: 40 }),
        (lines, cuts, maxLine) => {
          const stream = lines.join("\n");
          const ours = new FrameDecoder({ maxLineBytes: maxLine });
          const former = new FormerDecoder(maxLine);
          for (const piece of cutStream(stream, cuts)) {
            const a = ours.push(piece);
            const b = former.push(piece);
            // The same frames and reasons, ours keeping the first MAX_MALFORMED_REASONS of them.
            expect({ frames: a.frames, malformed: a.malformed }).toEqual({
              frames: b.frames,
              malformed: b.malformed.slice(0, MAX_MALFORMED_REASONS),
            });
            expect(a.malformedCount).toBe(b.malformed.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("frame validation", () => {
  it("accepts each connector frame and ignores unknown types and echoes", () => {
    expect(
      parseConnectorFrame({ type: "inbound", event: { text: "x" }, bufferId: "b1" }),
    ).toMatchObject({ ok: true, frame: { bufferId: "b1" } });
    expect(parseConnectorFrame({ type: "inbound", event: { text: "x" } })).toEqual({
      ok: true,
      frame: { type: "inbound", event: { text: "x" } },
    });
    expect(parseConnectorFrame({ type: "interrupt_inbound", session_key: "k" })).toEqual({
      ok: true,
      frame: { type: "interrupt_inbound", session_key: "k", chat_id: "" },
    });
    expect(parseConnectorFrame({ type: "going_idle_ack" })).toEqual({
      ok: true,
      frame: { type: "going_idle_ack" },
    });
    expect(parseConnectorFrame({ type: "hello", platform: "x", botId: "" })).toMatchObject({
      ok: false,
      kind: "unknown",
    });
    expect(parseConnectorFrame({ type: "future_thing" })).toMatchObject({
      ok: false,
      kind: "unknown",
    });
  });

  it("reports invalid known frames and turns a malformed result into a failure dict", () => {
    expect(parseConnectorFrame({ type: "inbound", event: "x" })).toMatchObject({
      ok: false,
      kind: "invalid",
    });
    expect(parseConnectorFrame({ type: "outbound_result", result: {} })).toMatchObject({
      ok: false,
      kind: "invalid",
    });
    expect(
      parseConnectorFrame({ type: "outbound_result", requestId: "r", result: 5 }),
    ).toMatchObject({
      ok: true,
      frame: { result: { success: false } },
    });
    expect(parseConnectorFrame({ type: "interrupt_inbound", session_key: "" })).toMatchObject({
      ok: false,
      kind: "invalid",
    });
  });

  it("validates gateway frames for a connector", () => {
    expect(
      parseGatewayFrame({ type: "hello", platform: "discord", botId: "b", command_manifest: [] }),
    ).toMatchObject({ ok: true });
    expect(parseGatewayFrame({ type: "hello", botId: "b" })).toMatchObject({
      ok: false,
      kind: "invalid",
    });
    expect(
      parseGatewayFrame({
        type: "outbound",
        requestId: "r",
        action: { op: "send" },
        platform: "discord",
      }),
    ).toMatchObject({ ok: true, frame: { platform: "discord" } });
    expect(parseGatewayFrame({ type: "outbound", requestId: "r", action: {} })).toMatchObject({
      ok: false,
      kind: "invalid",
    });
    expect(parseGatewayFrame({ type: "inbound_ack", bufferId: "" })).toMatchObject({
      ok: false,
      kind: "invalid",
    });
    expect(parseGatewayFrame({ type: "descriptor" })).toMatchObject({ ok: false, kind: "unknown" });
  });
});

describe("FrameDecoder on bytes (WebSocket messages as ws delivers them)", () => {
  it("splits several frames in one message and buffers a partial line across messages", () => {
    const d = new FrameDecoder();
    const wire = utf8(encodeFrame({ type: "a" }) + encodeFrame({ type: "b", n: "é" }) + '{"t":"✓');
    expect(d.push(wire).frames).toEqual([{ type: "a" }, { type: "b", n: "é" }]);
    expect(d.pending).toBe(Buffer.byteLength('{"t":"✓')); // bytes, not characters
    expect(d.push(utf8('","x":2}\n')).frames).toEqual([{ t: "✓", x: 2 }]);
    expect(d.pending).toBe(0);
  });

  it("skips blank, malformed and non-object lines without losing the frames around them", () => {
    const d = new FrameDecoder();
    const r = d.push(utf8('{"type":"a"}\n\n  \nnot json é\n[1,2]\n"s"\n\r\n{"type":"b"}\n'));
    expect(r.frames).toEqual([{ type: "a" }, { type: "b" }]);
    expect(r.malformed).toEqual([
      "invalid JSON (10 characters)",
      "JSON value is not an object",
      "JSON value is not an object",
    ]);
    expect(r.malformed.join(" ")).not.toContain("not json");
  });

  it("counts the line cap in bytes, discards an over-long partial line, then recovers", () => {
    // Six "é" are 6 characters but 12 bytes: within a 10-character cap as text, over it as bytes.
    const text = new FrameDecoder({ maxLineBytes: 10 });
    expect(text.push("éééééé").malformed).toEqual([]);
    expect(text.pending).toBe(6);
    const bytes = new FrameDecoder({ maxLineBytes: 10 });
    expect(bytes.push(utf8("éééééé")).malformed).toEqual(["partial line over 10 bytes discarded"]);
    expect(bytes.pending).toBe(0);
    expect(bytes.push(utf8('{"t":1}\n')).frames).toEqual([{ t: 1 }]);
    // The cap applies to what is buffered across messages, not to a whole line in one message.
    const capped = new FrameDecoder({ maxLineBytes: 10 });
    expect(capped.push(utf8('{"t":"0123456789"}\n{"a":')).malformed).toEqual([]);
    expect(capped.push(utf8('"0123456789"')).malformed).toHaveLength(1);
    expect(capped.push(utf8('"b"}\n{"c":3}\n')).frames).toEqual([{ c: 3 }]);
  });

  it("decodes a 4-byte emoji split across two messages at every offset", () => {
    const wire = utf8(encodeFrame({ t: "a😀b", u: "✓é" }));
    for (let cut = 0; cut <= wire.length; cut++) {
      const r = pushAll(new FrameDecoder(), [wire.subarray(0, cut), wire.subarray(cut)]);
      expect(r, `cut at ${cut}`).toEqual({ frames: [{ t: "a😀b", u: "✓é" }], malformed: [] });
    }
    const oneByteEach = [...wire].map((b) => Buffer.from([b]));
    expect(pushAll(new FrameDecoder(), oneByteEach).frames).toEqual([{ t: "a😀b", u: "✓é" }]);
  });

  it("turns invalid UTF-8 into U+FFFD as Buffer#toString does, wherever the message is cut", () => {
    // A lone continuation byte, a truncated 3-byte sequence, an overlong encoding, a surrogate.
    const bad = Buffer.from([0x80, 0xe2, 0x9c, 0x41, 0xc0, 0xaf, 0xed, 0xa0, 0x80]);
    const wire = Buffer.concat([utf8('{"t":"'), bad, utf8('"}\n')]);
    const expected = JSON.parse(wire.toString("utf8")) as unknown;
    expect(JSON.stringify(expected)).toContain("\ufffd");
    for (let cut = 0; cut <= wire.length; cut++) {
      const r = pushAll(new FrameDecoder(), [wire.subarray(0, cut), wire.subarray(cut)]);
      expect(r, `cut at ${cut}`).toEqual({ frames: [expected], malformed: [] });
    }
    // Outside a JSON string, invalid bytes make the line malformed: reported, never thrown.
    const r = withoutLines(
      new FrameDecoder().push(Buffer.concat([Buffer.from([0xff, 0xfe]), utf8('\n{"a":1}\n')])),
    );
    expect(r).toEqual({ frames: [{ a: 1 }], malformed: ["invalid JSON (2 characters)"] });
  });

  it("decodes large lines (ASCII, non-ASCII, invalid UTF-8) exactly as Buffer#toString does", () => {
    const body = "x".repeat(6000);
    const lines = [
      utf8(`{"t":"${body}"}`),
      utf8(`{"t":"${body}é"}`),
      utf8(`{"t":"é${body}😀"}`),
      Buffer.concat([utf8(`{"t":"${body}`), Buffer.from([0xc3, 0x28, 0xff]), utf8('"}')]),
    ];
    for (const line of lines) {
      const expected = JSON.parse(line.toString("utf8")) as unknown;
      const wire = Buffer.concat([line, utf8("\n")]);
      for (const cuts of [[], [1], [4096], [line.length - 1], [3000, 6001, 6002, 6003]]) {
        const r = pushAll(new FrameDecoder(), cutBytes(wire, cuts));
        expect(r, `cuts ${cuts.join(",")}`).toEqual({ frames: [expected], malformed: [] });
      }
    }
  });

  it("decodes any large line, valid UTF-8 or not, exactly as Buffer#toString does", () => {
    const piece = fc.oneof(
      fc.constantFrom("a", "é", "✓", "😀", "\u0000", "\uFEFF", "\u00FF", "\uFFFF", "\u{10FFFF}"),
      fc.string({ unit: "grapheme", maxLength: 20 }),
    );
    const invalid = fc.constantFrom(
      [0x80],
      [0xff],
      [0xc3],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 60 }),
        fc.option(fc.tuple(fc.nat(), invalid)),
        fc.array(fc.nat(), { maxLength: 4 }),
        (pieces, bad, cuts) => {
          const text = utf8(JSON.stringify({ t: `${"x".repeat(4096)}${pieces.join("")}` }));
          let line = text;
          if (bad !== null) {
            // Inside the JSON string: after `{"t":"`, before `"}`.
            const at = 6 + (bad[0] % (text.length - 7));
            line = Buffer.concat([text.subarray(0, at), Buffer.from(bad[1]), text.subarray(at)]);
          }
          // A bad byte can land inside an escape (`\u0000`): then the line is not JSON, and the
          // decoder must say so exactly as JSON.parse of Buffer#toString does.
          const decoded = line.toString("utf8");
          let expected: { frames: unknown[]; malformed: string[] };
          try {
            expected = { frames: [JSON.parse(decoded) as unknown], malformed: [] };
          } catch {
            expected = { frames: [], malformed: [`invalid JSON (${decoded.length} characters)`] };
          }
          const wire = Buffer.concat([line, utf8("\n")]);
          const r = pushAll(new FrameDecoder(), cutBytes(wire, cuts));
          expect(r).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
    // A byte order mark is kept as U+FEFF (and is not JSON): the report counts it, as toString does.
    const bom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      utf8(`{"t":"${"é".repeat(3000)}"}\n`),
    ]);
    expect(withoutLines(new FrameDecoder().push(bom))).toEqual({
      frames: [],
      malformed: [`invalid JSON (${bom.toString("utf8").length - 1} characters)`],
    });
  });

  it("accepts every shape ws hands over: Buffer, ArrayBuffer, Buffer[] fragments, Uint8Array", () => {
    const wire = utf8(encodeFrame({ t: "😀" }) + encodeFrame({ n: 2 }));
    const arrayBuffer = new Uint8Array(wire).buffer; // a copy: exactly the frame bytes
    const plain = new Uint8Array(wire);
    const shared = new SharedArrayBuffer(wire.length);
    new Uint8Array(shared).set(wire);
    for (const input of [
      wire,
      arrayBuffer,
      shared as unknown as ArrayBuffer,
      new Uint8Array(shared),
      plain,
      cutBytes(wire, [3, 7, 8, 20]),
    ])
      expect(withoutLines(new FrameDecoder().push(input))).toEqual({
        frames: [{ t: "😀" }, { n: 2 }],
        malformed: [],
      });
    // A Uint8Array view into a larger buffer: only its own bytes count.
    const padded = Buffer.concat([utf8("xx\n"), wire, utf8("\nyy")]);
    const view = new Uint8Array(padded.buffer, padded.byteOffset + 3, wire.length);
    expect(new FrameDecoder().push(view).frames).toEqual([{ t: "😀" }, { n: 2 }]);
  });

  it("continues a line begun as text with bytes and one begun as bytes with text", () => {
    const d = new FrameDecoder();
    expect(d.push('{"t":"é').frames).toEqual([]);
    expect(d.push(Buffer.from([0xf0, 0x9f]))).toEqual({
      frames: [],
      lines: [],
      malformed: [],
      malformedCount: 0,
    });
    expect(d.push(Buffer.from([0x98, 0x80]))).toEqual({
      frames: [],
      lines: [],
      malformed: [],
      malformedCount: 0,
    });
    expect(d.pending).toBe(Buffer.byteLength('{"t":"é😀'));
    expect(d.push('✓"}\n{"n":').frames).toEqual([{ t: "é😀✓" }]);
    expect(d.push(utf8("1}\n")).frames).toEqual([{ n: 1 }]);
    expect(d.pending).toBe(0);
  });
});
