import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  codePointLength,
  DEFAULT_MAX_MESSAGE_LENGTH,
  MAX_MAX_MESSAGE_LENGTH,
  MIN_MAX_MESSAGE_LENGTH,
  lengthFunctionFor,
  parseDescriptor,
  supportsCodeBlocks,
  supportsOp,
} from "./descriptor.js";

describe("parseDescriptor", () => {
  it("keeps a complete descriptor and drops unknown keys", () => {
    const d = parseDescriptor({
      contract_version: 1,
      platform: "telegram",
      label: "Telegram",
      max_message_length: 4096,
      supports_draft_streaming: true,
      supports_edit: true,
      supports_threads: false,
      markdown_dialect: "markdown_v2",
      len_unit: "utf16",
      emoji: "✈️",
      supported_ops: ["send", "react"],
      secret_thing: "x",
    });
    expect(d.platform).toBe("telegram");
    expect(d.len_unit).toBe("utf16");
    expect(d.supports_draft_streaming).toBe(true);
    expect(d.emoji).toBe("✈️");
    expect(d.supported_ops).toEqual(["send", "react"]);
    expect(d).not.toHaveProperty("secret_thing");
  });

  it("fills optional fields with the contract defaults", () => {
    const d = parseDescriptor({
      contract_version: 1,
      platform: "slack",
      label: "Slack",
      max_message_length: 40000,
      markdown_dialect: "mrkdwn",
      len_unit: "chars",
    });
    expect(d).toMatchObject({
      emoji: "🔌",
      platform_hint: "",
      pii_safe: false,
      supports_context: false,
      supports_inchannel_continuable: false,
      supports_block_formatting: false,
      supported_ops: [],
    });
  });

  it.each([undefined, null, "4096", "abc", 0, -5, Number.NaN, Infinity, {}, []])(
    "turns max_message_length %p into a usable value",
    (value) => {
      const d = parseDescriptor({ platform: "x", max_message_length: value });
      const expected = value === "4096" ? 4096 : DEFAULT_MAX_MESSAGE_LENGTH;
      expect(d.max_message_length).toBe(expected);
    },
  );

  it.each([
    [1, MIN_MAX_MESSAGE_LENGTH],
    [99.9, MIN_MAX_MESSAGE_LENGTH],
    ["1", MIN_MAX_MESSAGE_LENGTH],
    [100, 100],
    [2000, 2000],
    [1_000_000, 1_000_000],
    [1_000_001, MAX_MAX_MESSAGE_LENGTH],
    [1e20, MAX_MAX_MESSAGE_LENGTH],
    ["1e20", MAX_MAX_MESSAGE_LENGTH],
    [Number.MAX_VALUE, MAX_MAX_MESSAGE_LENGTH],
    [-Infinity, DEFAULT_MAX_MESSAGE_LENGTH],
    [-0.5, DEFAULT_MAX_MESSAGE_LENGTH],
    [0.5, DEFAULT_MAX_MESSAGE_LENGTH],
    [true, DEFAULT_MAX_MESSAGE_LENGTH],
  ])("clamps max_message_length %p to %p", (value, expected) => {
    expect(parseDescriptor({ platform: "x", max_message_length: value }).max_message_length).toBe(
      expected,
    );
  });

  it("keeps a contract_version only when it is a positive safe integer", () => {
    expect(parseDescriptor({ contract_version: 2 }).contract_version).toBe(2);
    for (const bad of [1e20, "1e20", 0, -3, Number.NaN, "x", null])
      expect(parseDescriptor({ contract_version: bad }).contract_version).toBe(1);
  });

  it("keeps only non-empty string ops and turns a malformed list into []", () => {
    expect(
      parseDescriptor({ supported_ops: ["send", "", 3, null, "send", "react"] }).supported_ops,
    ).toEqual(["send", "react"]);
    expect(parseDescriptor({ supported_ops: "send,edit" }).supported_ops).toEqual([]);
    expect(parseDescriptor({ supported_ops: { send: true } }).supported_ops).toEqual([]);
  });

  it("maps an unknown len_unit to chars and names a platform from the hello when missing", () => {
    const d = parseDescriptor({ len_unit: "bytes" }, { platform: "discord" });
    expect(d.len_unit).toBe("chars");
    expect(d.platform).toBe("discord");
    expect(d.label).toBe("discord");
  });

  it("never throws and always returns a complete descriptor for any JSON value", () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.dictionary(
          fc.constantFrom(
            "platform",
            "max_message_length",
            "supported_ops",
            "len_unit",
            "emoji",
            "supports_edit",
          ),
          fc.jsonValue(),
        ),
        (a, b) => {
          for (const raw of [a, b]) {
            const d = parseDescriptor(raw);
            expect(d.max_message_length).toBeGreaterThanOrEqual(MIN_MAX_MESSAGE_LENGTH);
            expect(d.max_message_length).toBeLessThanOrEqual(MAX_MAX_MESSAGE_LENGTH);
            expect(Number.isSafeInteger(d.contract_version) && d.contract_version >= 1).toBe(true);
            expect(Number.isInteger(d.max_message_length)).toBe(true);
            expect(["chars", "utf16"]).toContain(d.len_unit);
            expect(typeof d.supports_edit).toBe("boolean");
            expect(d.supported_ops.every((op) => typeof op === "string" && op !== "")).toBe(true);
            expect(d.platform).not.toBe("");
          }
        },
      ),
    );
  });
});

describe("supportsOp", () => {
  it("applies the legacy rule to an empty list", () => {
    for (const op of ["send", "edit", "typing", "follow_up"])
      expect(supportsOp({ supported_ops: [] }, op)).toBe(true);
    for (const op of ["react", "prompt", "get_chat_info", "send_media"])
      expect(supportsOp({ supported_ops: [] }, op)).toBe(false);
  });
  it("honours only advertised ops otherwise", () => {
    expect(supportsOp({ supported_ops: ["react"] }, "react")).toBe(true);
    expect(supportsOp({ supported_ops: ["react"] }, "send")).toBe(false);
  });
});

describe("length functions", () => {
  it("codePointLength equals the number of code points (Python len) for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(codePointLength(s)).toBe([...s].length);
      }),
    );
  });
  it("selects utf16 only for len_unit utf16", () => {
    expect(lengthFunctionFor("utf16")("🔌")).toBe(2);
    expect(lengthFunctionFor("chars")("🔌")).toBe(1);
    expect(lengthFunctionFor("whatever")("🔌")).toBe(1);
  });
  it("treats empty and plain dialects as no code blocks", () => {
    expect(supportsCodeBlocks("")).toBe(false);
    expect(supportsCodeBlocks("plain")).toBe(false);
    expect(supportsCodeBlocks("markdown_v2")).toBe(true);
  });
});
