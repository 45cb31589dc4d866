import { describe, expect, it, vi } from "vitest";
import { RedialHold } from "./redial-hold.js";

describe("RedialHold", () => {
  it("runs a re-dial at once when not held, parks it while held, runs it on release", () => {
    const hold = new RedialHold(60_000);
    const dial = vi.fn();
    hold.run(dial);
    expect(dial).toHaveBeenCalledTimes(1);
    hold.hold();
    hold.run(dial);
    expect(dial).toHaveBeenCalledTimes(1);
    hold.release();
    expect(dial).toHaveBeenCalledTimes(2);
    hold.release();
    expect(dial).toHaveBeenCalledTimes(2);
  });

  it("releases a parked re-dial at the cap, and clear() forgets it", () => {
    vi.useFakeTimers();
    try {
      const expired = vi.fn();
      const hold = new RedialHold(1_000, expired);
      const dial = vi.fn();
      hold.hold();
      hold.run(dial);
      vi.advanceTimersByTime(999);
      expect(dial).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect([dial.mock.calls.length, expired.mock.calls.length, hold.held]).toEqual([1, 1, false]);
      hold.hold();
      hold.run(dial);
      hold.clear();
      vi.advanceTimersByTime(5_000);
      expect(dial).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
