import { describe, expect, it } from "vitest";
import { ResumeTracker } from "./resume-tracker.js";

const message = (sequence: number) => ({
  sequence,
  messageGuid: `m${sequence}`,
  chatGuid: "any;-;+15551234567",
});

describe("ResumeTracker", () => {
  it("never puts the cursor past a message that is not handled", () => {
    const tracker = new ResumeTracker(4);
    expect(tracker.cursor).toBe(4);
    tracker.add(message(5), false, 0);
    tracker.saw(5);
    tracker.saw(6); // a read receipt, say
    tracker.add(message(7), false, 0);
    tracker.saw(7);
    expect(tracker.cursor).toBe(4);
    tracker.settle("m5");
    expect(tracker.cursor).toBe(6);
    tracker.settle("m7");
    expect(tracker.cursor).toBe(7);
  });

  it("makes caught-up messages due at once and live ones after the grace period", () => {
    const tracker = new ResumeTracker(null);
    tracker.add(message(1), true, 100);
    tracker.add(message(2), false, 100);
    expect(tracker.due(100, 50).map((m) => m.messageGuid)).toEqual(["m1"]);
    expect(tracker.due(150, 50).map((m) => m.messageGuid)).toEqual(["m1", "m2"]);
  });

  it("forgets the high-water mark after a gap", () => {
    const tracker = new ResumeTracker(9);
    tracker.reset();
    expect(tracker.cursor).toBeNull();
  });
});
