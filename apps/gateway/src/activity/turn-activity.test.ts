import { describe, expect, it } from "vitest";
import { fakeChat } from "../../test/support/fake-chat.js";
import { TurnActivity } from "./turn-activity.js";

const settle = () => new Promise((r) => setImmediate(r));

describe("TurnActivity", () => {
  it("a declined typing is not repeated for the rest of the turn (an egress decline is final)", async () => {
    const ticks = new Set<() => void>();
    let stopped = 0;
    const activity = new TurnActivity({
      typingIntervalMs: 1000,
      reactionPlatforms: [],
      every: (fn) => {
        ticks.add(fn);
        return () => {
          stopped++;
          ticks.delete(fn);
        };
      },
    });
    const declined = {
      success: false,
      code: "egress_declined",
      error: "discord egress declined: x",
    };
    const chat = fakeChat({ answer: (op) => (op === "typing" ? declined : undefined) });
    const handle = activity.start(chat.out, "u1");
    await settle();
    for (const tick of ticks) tick();
    await settle();
    expect(chat.ops.filter((o) => o.op === "typing")).toHaveLength(1);
    expect(stopped).toBe(1);
    handle.end("ok");
    expect(stopped).toBe(1);
  });

  it("a typing that failed otherwise (rate limit) keeps its interval", async () => {
    const ticks: (() => void)[] = [];
    const activity = new TurnActivity({
      typingIntervalMs: 1000,
      every: (fn) => {
        ticks.push(fn);
        return () => undefined;
      },
    });
    const chat = fakeChat({
      answer: (op) => (op === "typing" ? { success: false, error: "rate limited" } : undefined),
    });
    activity.start(chat.out, null);
    await settle();
    for (const tick of ticks) tick();
    await settle();
    expect(chat.ops.filter((o) => o.op === "typing")).toHaveLength(2);
  });
});

describe("TurnActivity: reactions", () => {
  it("a declined 👀 is not followed by the end-of-turn reactions on that message", async () => {
    const activity = new TurnActivity({
      typingIntervalMs: 0,
      reactionPlatforms: ["discord"],
      every: () => () => undefined,
    });
    const declined = {
      success: false,
      code: "egress_declined",
      error: "discord egress declined: x",
    };
    const chat = fakeChat({ answer: (op) => (op === "react" ? declined : undefined) });
    const handle = activity.start(chat.out, "u1");
    await settle();
    handle.end("ok");
    await settle();
    expect(chat.ops.filter((o) => o.op === "react")).toHaveLength(1);
  });
});
