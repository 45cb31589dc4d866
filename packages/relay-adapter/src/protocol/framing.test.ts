import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeFrame, FrameDecoder } from "./framing.js";
import { parseConnectorFrame, parseGatewayFrame } from "./frames.js";

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
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort(
            (a, b) => a - b,
          );
          const d = new FrameDecoder();
          const got: unknown[] = [];
          let prev = 0;
          for (const p of [...points, stream.length]) {
            got.push(...d.push(stream.slice(prev, p)).frames);
            prev = p;
          }
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
    fc.dictionary(fc.string(), fc.jsonValue()).map((f) => JSON.stringify(f)),
    fc.string().map((s) => s.replace(/\n/g, "")),
    fc.constantFrom("", "  ", "[1]", "null", '{"a":', "\r"),
  );
  const cutStream = (stream: string, cuts: number[]): string[] => {
    const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
    const pieces: string[] = [];
    let prev = 0;
    for (const p of [...points, stream.length]) {
      pieces.push(stream.slice(prev, p));
      prev = p;
    }
    return pieces;
  };

  it("yields the same frames and malformed reports however the stream is split", () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 10 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 20 }),
        (lines, terminated, cuts) => {
          const stream = lines.join("\n") + (terminated ? "\n" : "");
          const whole = new FrameDecoder().push(stream);
          const split = new FrameDecoder();
          const frames: unknown[] = [];
          const malformed: string[] = [];
          for (const piece of cutStream(stream, cuts)) {
            const r = split.push(piece);
            frames.push(...r.frames);
            malformed.push(...r.malformed);
          }
          expect(frames).toEqual(whole.frames);
          expect(malformed).toEqual(whole.malformed);
          expect(split.pending).toBe(
            terminated || lines.length === 0 ? 0 : stream.length - stream.lastIndexOf("\n") - 1,
          );
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
            expect({ frames: a.frames, malformed: a.malformed }).toEqual(former.push(piece));
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
