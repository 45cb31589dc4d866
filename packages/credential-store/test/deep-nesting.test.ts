// A deeply nested auth.json (JSON.parse reads any depth) must never end a write in a bare
// RangeError: the writers refuse it with a typed error naming the file, and leave it as it was.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  clearPhotonToken,
  loadPhotonToken,
  readAuth,
  serializeAuth,
  storePhotonToken,
  storeProjectCredentials,
  updateAuth,
  type JsonObject,
  type JsonValue,
} from "../src/index.js";
import { caught, homeWithAuth, useTempDirs } from "./support/temp.js";

const TOKEN = "photon-dashboard-token-SECRET-1";
const tempDir = useTempDirs("cred-deep-");

/** `{"x": [[…]]}`: `arrays` arrays nested under the top-level object (so `arrays + 1` levels). */
const nested = (arrays: number): string => `{"x":${"[".repeat(arrays)}${"]".repeat(arrays)}}`;

const homeWith = (text: string) => homeWithAuth(tempDir, text);

describe("a deeply nested auth.json", () => {
  it.each([1_000, 5_000, 100_000])(
    "%i levels of arrays: read as it is; every writer refuses with AUTH_FILE_CORRUPT naming the file, untouched",
    async (arrays) => {
      const text = nested(arrays);
      const { home, path } = homeWith(text);
      expect(Object.keys(await readAuth(home))).toEqual(["x"]);
      expect(await loadPhotonToken(home)).toBeNull();
      for (const write of [
        () => storePhotonToken(home, TOKEN),
        () => clearPhotonToken(home),
        () => storeProjectCredentials(home, { projectId: "p", projectSecret: TOKEN }),
        () => updateAuth(home, () => undefined),
      ]) {
        const error = await caught(write());
        expect(error).toMatchObject({ code: "AUTH_FILE_CORRUPT", path });
        expect(error.message).toContain(path);
        expect(error.message).toContain("deeper than 1000 levels");
        expect(error.message).toContain("left untouched");
        expect(error.message).not.toContain(TOKEN);
        expect(readFileSync(path, "utf8")).toBe(text);
      }
    },
  );

  it("1000 levels (the bound) are rewritten, other tools' data kept", async () => {
    const { home, path } = homeWith(nested(999));
    await storePhotonToken(home, TOKEN, { now: () => 1_763_000_000_000 });
    const doc = JSON.parse(readFileSync(path, "utf8")) as JsonObject;
    expect(JSON.stringify(doc["x"])).toBe("[".repeat(999) + "]".repeat(999));
    expect(doc["credential_pool"]).toEqual({
      photon: [{ access_token: TOKEN, issued_at: 1_763_000_000 }],
    });
  });

  it("an update that nests deeper, or makes a cycle, is INVALID_ARGUMENT; the file is untouched", async () => {
    const text = '{"keep": 1}';
    const { home, path } = homeWith(text);
    let deep: JsonValue = [];
    for (let i = 0; i < 5_000; i++) deep = [deep];
    const cyclic: JsonObject = {};
    cyclic["self"] = cyclic;
    for (const make of [
      (d: JsonObject) => void (d["deep"] = deep),
      (d: JsonObject) => void (d["cyclic"] = cyclic),
    ]) {
      const error = await caught(updateAuth(home, make));
      expect(error).toMatchObject({ code: "INVALID_ARGUMENT", path });
      expect(error.message).toContain("nested deeper than 1000 levels, or cyclic");
      expect(readFileSync(path, "utf8")).toBe(text);
    }
  });

  it("serializeAuth throws a RangeError naming the bound, not a stack overflow", () => {
    expect(() => serializeAuth(JSON.parse(nested(5_000)) as JsonObject)).toThrow(
      /deeper than 1000 levels/,
    );
  });
});

describe("a rewritten auth.json stays within what the store reads back", () => {
  it("a file that would grow past 8 MiB when rewritten (indentation) is refused, untouched", async () => {
    // Another tool's 60,000 keys 70 levels down: under 1 MB compact, over 8 MiB printed with a
    // key per line and its indentation.
    let other: JsonObject = Object.fromEntries(
      Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 0]),
    );
    for (let level = 0; level < 70; level++) other = { a: other };
    const text = JSON.stringify({ "other-tool": other });
    expect(text.length).toBeLessThan(1024 * 1024);
    expect(serializeAuth({ "other-tool": other }).length).toBeGreaterThan(8 * 1024 * 1024);
    const { home, path } = homeWith(text);
    const error = await caught(storePhotonToken(home, TOKEN));
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", path });
    expect(error.message).toContain("larger than 8388608 bytes");
    expect(readFileSync(path, "utf8")).toBe(text);
  });
});
