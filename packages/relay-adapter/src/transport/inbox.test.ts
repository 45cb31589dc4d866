import { describe, expect, it } from "vitest";
import { Inbox } from "./inbox.js";

describe("Inbox", () => {
  it("runs items in order, acks a buffered item after its handler, and never acks a failed one", async () => {
    const seen: string[] = [];
    const acks: string[] = [];
    const warns: string[] = [];
    let current = true;
    const inbox = new Inbox({
      isCurrent: () => current,
      ack: (id) => void acks.push(id),
      warn: (m) => void warns.push(m),
    });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    inbox.push({
      bufferId: "b1",
      run: async () => {
        await gate;
        seen.push("b1");
      },
    });
    inbox.push({ bufferId: undefined, run: () => void seen.push("live") });
    inbox.push({
      bufferId: "b2",
      run: () => {
        throw new Error("host down");
      },
    });
    inbox.push({ bufferId: "b3", run: () => void seen.push("b3") });
    expect(seen).toEqual([]);
    release();
    await new Promise<void>((r) => inbox.push({ bufferId: undefined, run: () => r() }));
    expect(seen).toEqual(["b1", "live", "b3"]);
    expect(acks).toEqual(["b1", "b3"]);
    expect(warns).toHaveLength(1);
    // Once the link is gone a buffered item is skipped (the connector replays it), a live one runs.
    current = false;
    await new Promise<void>((r) => {
      inbox.push({ bufferId: "b4", run: () => void seen.push("b4") });
      inbox.push({ bufferId: undefined, run: () => r() });
    });
    expect(seen).not.toContain("b4");
  });
});
