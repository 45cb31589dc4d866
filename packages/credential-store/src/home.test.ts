import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isManaged, resolveHermesHome } from "./home.js";

const user = mkdtempSync(join(tmpdir(), "cred-home-"));
afterAll(() => rmSync(user, { recursive: true, force: true }));

describe("resolveHermesHome", () => {
  it("HERMES_HOME wins, as is", () => {
    expect(resolveHermesHome({ env: { HERMES_HOME: "/srv/h" }, homedir: user })).toEqual({
      home: "/srv/h",
      root: "/srv/h",
      profile: null,
      source: "HERMES_HOME",
    });
    // Blank means unset (upstream strips it).
    expect(
      resolveHermesHome({ env: { HERMES_HOME: "  " }, homedir: "/nonexistent-user" }),
    ).toMatchObject({ home: join("/nonexistent-user", ".hermes"), source: "default" });
  });
  it("defaults to ~/.hermes, and %LOCALAPPDATA%\\hermes on Windows", () => {
    expect(resolveHermesHome({ env: {}, homedir: "/nonexistent-user" })).toMatchObject({
      home: join("/nonexistent-user", ".hermes"),
      source: "default",
    });
    expect(
      resolveHermesHome({ env: { LOCALAPPDATA: "/appdata" }, homedir: "/u", platform: "win32" })
        .root,
    ).toBe(join("/appdata", "hermes"));
  });
  it("follows a sticky active_profile, ignoring default, blank and unsafe names", () => {
    const root = join(user, ".hermes");
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, "active_profile"), "work\n");
    expect(resolveHermesHome({ env: {}, homedir: user })).toEqual({
      home: join(root, "profiles", "work"),
      root,
      profile: "work",
      source: "active_profile",
    });
    for (const name of ["default", "", "../escape", "a/b"]) {
      writeFileSync(join(root, "active_profile"), name);
      expect(resolveHermesHome({ env: {}, homedir: user })).toMatchObject({
        home: root,
        profile: null,
      });
    }
    // HERMES_HOME still wins over a profile.
    writeFileSync(join(root, "active_profile"), "work");
    expect(resolveHermesHome({ env: { HERMES_HOME: "/x" }, homedir: user }).home).toBe("/x");
  });
});

describe("isManaged", () => {
  it("HERMES_MANAGED set (except brew/homebrew) or a .managed marker", () => {
    const h = mkdtempSync(join(user, "h-"));
    expect(isManaged(h, {})).toEqual({ managed: false, reason: null });
    expect(isManaged(h, { HERMES_MANAGED: "1" })).toEqual({
      managed: true,
      reason: "HERMES_MANAGED is set",
    });
    expect(isManaged(h, { HERMES_MANAGED: "brew" }).managed).toBe(false);
    expect(isManaged(h, { HERMES_MANAGED: "Homebrew" }).managed).toBe(false);
    expect(isManaged(h, { HERMES_MANAGED: "" }).managed).toBe(false);
    writeFileSync(join(h, ".managed"), "");
    expect(isManaged(h, {})).toMatchObject({
      managed: true,
      reason: `${join(h, ".managed")} exists`,
    });
  });
});
