import { measureGrowth } from "@hermes/vitest-config/growth";
import { describe, expect, it } from "vitest";
import { parseAgentLine } from "./ndjson-events.js";
import { LineTooLongError, NdjsonLineSplitter } from "./ndjson-lines.js";
import { NdjsonAgentReader } from "./ndjson-reader.js";
import type { AgentOutputEvent } from "./ndjson-events.js";

describe("NdjsonLineSplitter", () => {
  it("splits on \\n across chunk boundaries, drops \\r, keeps a UTF-8 character split between chunks whole", () => {
    const s = new NdjsonLineSplitter();
    const bytes = Buffer.from('{"a":1}\r\n{"b":"🔌"}\n{"c"');
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i += 3) out.push(...s.push(bytes.subarray(i, i + 3)));
    expect(out).toEqual(['{"a":1}', '{"b":"🔌"}']);
    expect(s.end()).toBe('{"c"');
    expect(s.end()).toBeNull();
  });

  it("is bounded: a line over the limit throws before it is buffered whole, with or without its newline", () => {
    const s = new NdjsonLineSplitter(10);
    expect(s.push(Buffer.from("0123456789\n"))).toEqual(["0123456789"]);
    expect(() => s.push(Buffer.from("0123456789x\n"))).toThrow(LineTooLongError);
    const t = new NdjsonLineSplitter(10);
    t.push(Buffer.from("012345"));
    expect(() => t.push(Buffer.from("67890"))).toThrow(LineTooLongError);
  });

  it("is linear in the input, however it is chunked (no re-scan of a growing partial line)", () => {
    const run = (n: number) => () => {
      const s = new NdjsonLineSplitter(64 * 1024 * 1024);
      const line = Buffer.from(`${"x".repeat(n)}\n`);
      for (let i = 0; i < line.length; i += 16) s.push(line.subarray(i, i + 16));
    };
    const g = measureGrowth((f: () => void) => f(), run(20_000), run(200_000));
    expect(g.ratio).toBeLessThan(g.limit);
    const many = (n: number) => () =>
      new NdjsonLineSplitter().push(Buffer.from('{"type":"delta","text":"x"}\n'.repeat(n)));
    const h = measureGrowth((f: () => void) => f(), many(2_000), many(20_000));
    expect(h.ratio).toBeLessThan(h.limit);
  });
});

describe("parseAgentLine", () => {
  it("reads each event type, skips blank lines and reports unknown types", () => {
    expect(parseAgentLine('{"type":"delta","text":"he"}')).toEqual({
      kind: "event",
      event: { type: "delta", text: "he" },
    });
    expect(parseAgentLine('{"type":"message","text":"whole"}')).toEqual({
      kind: "event",
      event: { type: "message", text: "whole" },
    });
    expect(parseAgentLine('{"type":"media","path":"/t/a.ogg","kind":"voice"}')).toEqual({
      kind: "event",
      event: { type: "media", path: "/t/a.ogg", kind: "voice" },
    });
    expect(
      parseAgentLine('{"type":"media","path":"a.png","kind":"image","caption":"c"}'),
    ).toMatchObject({ event: { caption: "c" } });
    expect(
      parseAgentLine(
        '{"type":"prompt","prompt_id":"p.1","content":"?","options":[{"id":"y","label":"Yes"},{"id":"n","label":"No"}]}',
      ),
    ).toEqual({
      kind: "event",
      event: {
        type: "prompt",
        prompt_id: "p.1",
        content: "?",
        options: [
          { id: "y", label: "Yes" },
          { id: "n", label: "No" },
        ],
      },
    });
    expect(parseAgentLine("   \t")).toEqual({ kind: "skip", why: "blank" });
    expect(parseAgentLine('{"type":"thinking","text":"..."}')).toEqual({
      kind: "unknown",
      type: "thinking",
    });
  });

  it("anything else is malformed, with a reason", () => {
    const bad = [
      "not json",
      "[1]",
      "null",
      '{"text":"no type"}',
      '{"type":"delta"}',
      '{"type":"message","text":3}',
      '{"type":"media","kind":"image"}',
      '{"type":"media","path":"a","kind":"gif"}',
      '{"type":"media","path":"a","kind":"image","caption":1}',
      '{"type":"prompt","prompt_id":"has space","content":"?","options":[{"id":"a","label":"A"}]}',
      '{"type":"prompt","prompt_id":"p","content":"?","options":[]}',
      '{"type":"prompt","prompt_id":"p","content":"?","options":[{"id":"a","label":"A"},{"id":"a","label":"B"}]}',
      '{"type":"prompt","prompt_id":"p","content":"?","options":[{"id":"a"}]}',
      '{"type":"prompt","prompt_id":"p","options":[{"id":"a","label":"A"}]}',
    ];
    for (const line of bad)
      expect(parseAgentLine(line), line).toMatchObject({
        kind: "malformed",
        message: expect.any(String),
      });
  });
});

describe("NdjsonAgentReader", () => {
  it("emits events as their lines complete, reports each unknown type once, and fails on a malformed line", () => {
    const events: AgentOutputEvent[] = [];
    const unknown: string[] = [];
    const r = new NdjsonAgentReader({
      emit: (e) => events.push(e),
      onUnknownType: (t) => unknown.push(t),
    });
    r.push(Buffer.from('{"type":"delta","text":"a"}\n{"type":"x"}\n{"type":"x"}\n{"type":"del'));
    expect(events).toEqual([{ type: "delta", text: "a" }]);
    r.push(Buffer.from('ta","text":"b"}'));
    expect(r.end()).toBe("");
    expect(events).toEqual([
      { type: "delta", text: "a" },
      { type: "delta", text: "b" },
    ]);
    expect(unknown).toEqual(["x"]);
    const bad = new NdjsonAgentReader({ emit: () => undefined });
    expect(() => bad.push(Buffer.from('{"type":"delta","text":"a"}\n{oops}\n'))).toThrow(
      expect.objectContaining({
        code: "AGENT_BAD_REPLY",
        message: expect.stringContaining("line 2"),
      }),
    );
  });

  it("without a listener, the text said is returned (deltas joined, messages as paragraphs)", () => {
    const r = new NdjsonAgentReader();
    r.push(
      Buffer.from(
        '{"type":"delta","text":"He"}\n{"type":"delta","text":"llo"}\n{"type":"message","text":"Bye"}\n',
      ),
    );
    expect(r.end()).toBe("Hello\n\nBye");
  });
});
