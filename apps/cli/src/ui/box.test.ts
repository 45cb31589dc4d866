import { describe, expect, it } from "vitest";
import { box } from "./box.js";
import { terminalQr } from "./qr.js";

describe("box", () => {
  it("frames lines to the widest, ignoring colour codes", () => {
    expect(box(["ab", "\x1b[1mcdef\x1b[22m"])).toBe(
      ["┌──────┐", "│ ab   │", "│ \x1b[1mcdef\x1b[22m │", "└──────┘"].join("\n"),
    );
  });
});

describe("terminalQr", () => {
  it("renders a square block of half-block characters", () => {
    const lines = terminalQr("https://app.photon.codes/device?code=ABCD-1234")
      .split("\n")
      .filter(Boolean);
    expect(lines.length).toBeGreaterThan(10);
    expect(new Set(lines.map((l) => [...l].length)).size).toBe(1);
    expect(lines.join("")).toMatch(/^[█▀▄ ]+$/);
  });
});
