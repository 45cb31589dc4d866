import { describe, expect, it } from "vitest";
import { ackAfter, Inbox } from "./inbox.js";

/** An inbox whose acks and warnings are kept; `link.current = false` retires its link. */
function inboxUnderTest() {
  const seen: string[] = [];
  const acks: string[] = [];
  const warns: string[] = [];
  const link = { current: true };
  const inbox = new Inbox({
    isCurrent: () => link.current,
    ack: (id) => void acks.push(id),
    warn: (m) => void warns.push(m),
  });
  return { inbox, seen, acks, warns, link };
}

describe("Inbox", () => {
  it("runs items in order, acks a buffered item after its handler, and never acks a failed one", async () => {
    const { inbox, seen, acks, warns, link } = inboxUnderTest();
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
    link.current = false;
    await new Promise<void>((r) => {
      inbox.push({ bufferId: "b4", run: () => void seen.push("b4") });
      inbox.push({ bufferId: undefined, run: () => r() });
    });
    expect(seen).not.toContain("b4");
  });

  it("ackAfter: the items after it run at once; it is acked when its promise resolves, never when it rejects or once its link is gone", async () => {
    const { inbox, seen, acks, warns, link } = inboxUnderTest();
    const gates = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
    const deferred = (id: string) => () => {
      seen.push(id);
      return ackAfter(
        new Promise<void>((resolve, reject) => void gates.set(id, { resolve, reject })),
      );
    };
    inbox.push({ bufferId: "b1", run: deferred("b1") });
    inbox.push({ bufferId: "b2", run: deferred("b2") });
    inbox.push({ bufferId: undefined, run: () => void seen.push("live") });
    inbox.push({ bufferId: "b3", run: deferred("b3") });
    // A live item's deferred promise: nothing to ack, but its rejection is reported (not an
    // unhandled rejection).
    inbox.push({ bufferId: undefined, run: deferred("live2") });
    await new Promise<void>((r) => inbox.push({ bufferId: undefined, run: () => r() }));
    expect(seen).toEqual(["b1", "b2", "live", "b3", "live2"]); // none waited for the one before
    expect(acks).toEqual([]);
    gates.get("b2")!.resolve();
    gates.get("b1")!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(acks).toEqual(["b2", "b1"]);
    gates.get("b3")!.reject(new Error("disk full"));
    gates.get("live2")!.reject(new Error("disk gone"));
    await new Promise((r) => setImmediate(r));
    expect(acks).toEqual(["b2", "b1"]);
    expect(warns).toEqual([
      "relay inbound handler failed (not acked; it will be replayed): disk full",
      "relay inbound handler failed: disk gone",
    ]);
    // From an async handler (a promise resolving to it), or through a caller that only awaits
    // what the handler returned, ackAfter is a thenable of its promise: waited for, then acked.
    inbox.push({ bufferId: "b5", run: async () => deferred("b5")() });
    inbox.push({ bufferId: undefined, run: () => void seen.push("after b5") });
    await new Promise((r) => setImmediate(r));
    expect(seen.at(-1)).toBe("b5"); // the next item waits
    gates.get("b5")!.resolve();
    await new Promise<void>((r) => inbox.push({ bufferId: undefined, run: () => r() }));
    expect(seen.at(-1)).toBe("after b5");
    expect(acks).toEqual(["b2", "b1", "b5"]);
    let released = false;
    const gate = ackAfter(new Promise<void>((r) => setTimeout(() => ((released = true), r()), 5)));
    await gate;
    expect(released).toBe(true);
    // Resolved only after its link was replaced: no ack (the connector replays it).
    inbox.push({ bufferId: "b4", run: deferred("b4") });
    await new Promise((r) => setImmediate(r));
    link.current = false;
    gates.get("b4")!.resolve();
    await new Promise((r) => setImmediate(r));
    expect(seen).toContain("b4");
    expect(acks).toEqual(["b2", "b1", "b5"]);
  });
});
