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
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
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

describe("frame validation", () => {
  it("accepts each connector frame and ignores unknown types and echoes", () => {
    expect(parseConnectorFrame({ type: "inbound", event: { text: "x" }, bufferId: "b1" })).toMatchObject({ ok: true, frame: { bufferId: "b1" } });
    expect(parseConnectorFrame({ type: "inbound", event: { text: "x" } })).toEqual({ ok: true, frame: { type: "inbound", event: { text: "x" } } });
    expect(parseConnectorFrame({ type: "interrupt_inbound", session_key: "k" })).toEqual({ ok: true, frame: { type: "interrupt_inbound", session_key: "k", chat_id: "" } });
    expect(parseConnectorFrame({ type: "going_idle_ack" })).toEqual({ ok: true, frame: { type: "going_idle_ack" } });
    expect(parseConnectorFrame({ type: "hello", platform: "x", botId: "" })).toMatchObject({ ok: false, kind: "unknown" });
    expect(parseConnectorFrame({ type: "future_thing" })).toMatchObject({ ok: false, kind: "unknown" });
  });

  it("reports invalid known frames and turns a malformed result into a failure dict", () => {
    expect(parseConnectorFrame({ type: "inbound", event: "x" })).toMatchObject({ ok: false, kind: "invalid" });
    expect(parseConnectorFrame({ type: "outbound_result", result: {} })).toMatchObject({ ok: false, kind: "invalid" });
    expect(parseConnectorFrame({ type: "outbound_result", requestId: "r", result: 5 })).toMatchObject({
      ok: true,
      frame: { result: { success: false } },
    });
    expect(parseConnectorFrame({ type: "interrupt_inbound", session_key: "" })).toMatchObject({ ok: false, kind: "invalid" });
  });

  it("validates gateway frames for a connector", () => {
    expect(parseGatewayFrame({ type: "hello", platform: "discord", botId: "b", command_manifest: [] })).toMatchObject({ ok: true });
    expect(parseGatewayFrame({ type: "hello", botId: "b" })).toMatchObject({ ok: false, kind: "invalid" });
    expect(parseGatewayFrame({ type: "outbound", requestId: "r", action: { op: "send" }, platform: "discord" })).toMatchObject({ ok: true, frame: { platform: "discord" } });
    expect(parseGatewayFrame({ type: "outbound", requestId: "r", action: {} })).toMatchObject({ ok: false, kind: "invalid" });
    expect(parseGatewayFrame({ type: "inbound_ack", bufferId: "" })).toMatchObject({ ok: false, kind: "invalid" });
    expect(parseGatewayFrame({ type: "descriptor" })).toMatchObject({ ok: false, kind: "unknown" });
  });
});
