import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHomeStore, resolveHome } from "./store.js";

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "hermes-store-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("home store", () => {
  it("resolves HERMES_HOME, else ~/.hermes", () => {
    expect(resolveHome({ HERMES_HOME: "/x/y" }, "/home/u")).toBe("/x/y");
    expect(resolveHome({ HERMES_HOME: " " }, "/home/u")).toBe("/home/u/.hermes");
  });

  it("sets .env keys: replaces the first definition, keeps every other line, quotes and round-trips", async () => {
    await writeFile(join(home, ".env"), "# comment\n\nexport A=old\nB = keep\nA=second\nC=1", { mode: 0o640 });
    await chmod(join(home, ".env"), 0o640);
    const store = createHomeStore({ HERMES_HOME: home }, "/nowhere");
    await store.setEnvValues([
      ["A", 'has space # and "quote" \\ back'],
      ["D", "line\nbreak"],
      ["E", ""],
    ]);
    const text = await readFile(join(home, ".env"), "utf8");
    expect(text).toBe('# comment\n\nA="has space # and \\"quote\\" \\\\ back"\nB = keep\nA=second\nC=1\nD=linebreak\nE=\n');
    expect((await stat(join(home, ".env"))).mode & 0o777).toBe(0o640);
    const env = await store.readEnvFile();
    expect(env.get("A")).toBe('has space # and "quote" \\ back');
    expect(env.get("B")).toBe("keep");
    expect(env.get("E")).toBe("");
  });

  it("refuses to write .env in a managed install", async () => {
    const store = createHomeStore({ HERMES_HOME: home, HERMES_MANAGED: "1" }, "/nowhere");
    await expect(store.setEnvValues([["A", "1"]])).rejects.toMatchObject({ code: "managed" });
    await expect(stat(join(home, ".env"))).rejects.toThrow();
  });

  it("updates auth.json keeping unknown keys; refuses to overwrite a file it cannot parse", async () => {
    const store = createHomeStore({ HERMES_HOME: home }, "/nowhere");
    await writeFile(join(home, "auth.json"), JSON.stringify({ other: { x: 1 }, credential_pool: { nous: [{ access_token: "n" }] } }));
    await store.updateAuth((a) => {
      (a.credential_pool as Record<string, unknown>).photon = [{ access_token: "t" }];
    });
    expect(JSON.parse(await readFile(join(home, "auth.json"), "utf8"))).toEqual({
      other: { x: 1 },
      credential_pool: { nous: [{ access_token: "n" }], photon: [{ access_token: "t" }] },
    });
    expect((await stat(join(home, "auth.json"))).mode & 0o777).toBe(0o600);
    await writeFile(join(home, "auth.json"), "{broken");
    await expect(store.updateAuth(() => {})).rejects.toMatchObject({ code: "auth-unreadable" });
    expect(await readFile(join(home, "auth.json"), "utf8")).toBe("{broken");
  });
});
