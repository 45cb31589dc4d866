import { describe, expect, it } from "vitest";
import { journalHolds, messageKey } from "./message-key.js";

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

describe("journalHolds", () => {
  it("finds a message under the key an earlier version recorded (no encoding) when the encoding changed it", () => {
    const recorded = new Set(["teams:19:abc@thread:m1", "discord:C1:m2"]);
    const journal = { state: (k: string) => (recorded.has(k) ? "finished" : null) };
    expect(
      journalHolds(
        journal,
        messageKey("teams", "19:abc@thread", "m1"),
        "teams",
        "19:abc@thread",
        "m1",
      ),
    ).toBe(true);
    expect(journalHolds(journal, messageKey("discord", "C1", "m2"), "discord", "C1", "m2")).toBe(
      true,
    );
    expect(
      journalHolds(
        journal,
        messageKey("teams", "19:abc@thread", "m9"),
        "teams",
        "19:abc@thread",
        "m9",
      ),
    ).toBe(false);
    // A key the encoding left alone is looked up once.
    const looked: string[] = [];
    journalHolds(
      { state: (k: string) => (looked.push(k), null) },
      "discord:C1:m3",
      "discord",
      "C1",
      "m3",
    );
    expect(looked).toEqual(["discord:C1:m3"]);
  });
});
