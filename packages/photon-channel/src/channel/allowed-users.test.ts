import { describe, expect, it } from "vitest";
import { normalizeHandle, parseAllowedUsers } from "./allowed-users.js";

describe("parseAllowedUsers", () => {
  it("denies everyone when empty", () => {
    const allowed = parseAllowedUsers("");
    expect(allowed.size).toBe(0);
    expect(allowed.allows("+15551234567")).toBe(false);
    expect(allowed.allows(undefined)).toBe(false);
  });

  it("matches E.164 numbers however they were typed, and emails case-insensitively", () => {
    const allowed = parseAllowedUsers("+1 (555) 123-4567, Someone@Example.com");
    expect(allowed.allows("+15551234567")).toBe(true);
    expect(allowed.allows("someone@example.com")).toBe(true);
    expect(allowed.allows("+15551234568")).toBe(false);
    expect(allowed.allows("other@example.com")).toBe(false);
  });

  it("reports entries it cannot use instead of silently widening or narrowing the list", () => {
    const allowed = parseAllowedUsers(["5551234567", "*", "+15550000000", "not an email@"]);
    expect(allowed.size).toBe(1);
    expect(allowed.rejected.map((r) => r.entry)).toEqual(["5551234567", "*", "not an email@"]);
    expect(allowed.allows("*")).toBe(false);
  });

  it("normalizes handles", () => {
    expect(normalizeHandle(" +44 20 7946 0958 ")).toBe("+442079460958");
    expect(normalizeHandle("+0123456789")).toBeNull();
    expect(normalizeHandle("A@B.CO")).toBe("a@b.co");
  });
});
