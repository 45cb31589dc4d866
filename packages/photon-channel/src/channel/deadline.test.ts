import { describe, expect, it } from "vitest";
import { DeadlineError, withDeadline } from "./deadline.js";

describe("withDeadline", () => {
  it("passes a settled result through and rejects a wait that never settles with a typed error", async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, "work")).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error("boom")), 1000, "work")).rejects.toThrow(
      "boom",
    );
    const never = new Promise<never>(() => undefined);
    await expect(withDeadline(never, 5, "closing")).rejects.toMatchObject({
      name: "DeadlineError",
      code: "PHOTON_DEADLINE",
    });
    expect(new DeadlineError("x", 1).message).toBe("x did not settle within 1 ms");
  });
});
