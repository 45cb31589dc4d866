import { describe, expect, it } from "vitest";
import { messageKey } from "./message-key.js";

describe("messageKey", () => {
  it("is platform:chat:id as before for parts without ':' or '%' (keys recorded earlier still match)", () => {
    expect(messageKey("discord", "C1", "id-first")).toBe("discord:C1:id-first");
    expect(messageKey("imessage", "iMessage;-;+15551234567", "E1F2")).toBe(
      "imessage:iMessage;-;+15551234567:E1F2",
    );
  });

  it("no two messages share a key when their ids contain the separator", () => {
    const pairs: Array<[string, string, string]> = [
      ["x", "a:b", "c"],
      ["x", "a", "b:c"],
      ["x:a", "b", "c"],
      ["x", "a%3Ab", "c"],
      ["x", "a", "b%3Ac"],
      ["x", "a%", "b"],
      ["x", "a", "%b"],
    ];
    const keys = pairs.map(([p, c, m]) => messageKey(p, c, m));
    expect(new Set(keys).size).toBe(pairs.length);
    expect(messageKey("x", "a:b", "c")).toBe("x:a%3Ab:c");
    expect(messageKey("x", "a%3Ab", "c")).toBe("x:a%253Ab:c");
  });
});
