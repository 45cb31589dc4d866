// The binding only: the formats and guarantees themselves are tested in
// @hermes/credential-store. Here: the home is resolved once, writes land where the package
// puts them, and every credential-store error becomes a CliError with a stable code.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialStoreError, type CredentialStoreErrorCode } from "@hermes/credential-store";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CliError } from "./errors.js";
import { createHomeStore, guarded, resolveHome } from "./store.js";

const SECRET = "relay-secret-NEVER-PRINTED";
let root: string;
let home: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "hermes-store-"));
  home = join(root, "home");
  await mkdir(home);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function cliError(p: Promise<unknown>): Promise<CliError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CliError);
  const err = e as CliError;
  expect([err.message, ...err.hints].join("\n")).not.toContain(SECRET);
  return err;
}

describe("home store binding", () => {
  it("resolves HERMES_HOME, else ~/.hermes redirected by active_profile", async () => {
    expect(resolveHome({ HERMES_HOME: "/x/y" }, "/home/u")).toBe("/x/y");
    expect(resolveHome({ HERMES_HOME: " " }, "/home/u")).toBe("/home/u/.hermes");
    await mkdir(join(root, ".hermes"));
    await writeFile(join(root, ".hermes", "active_profile"), "work\n");
    const store = createHomeStore({}, root);
    expect(store.home).toBe(join(root, ".hermes", "profiles", "work"));
    expect([store.envPath, store.authPath, store.configPath]).toEqual(
      ["/.env", "/auth.json", "/config.yaml"].map((f) => join(store.home, f)),
    );
  });

  it("writes through the package: .env and auth.json land in the home, new files 0600", async () => {
    const store = createHomeStore({ HERMES_HOME: home }, "/nowhere");
    await store.setEnvValues([["GATEWAY_RELAY_SECRET", SECRET]]);
    await store.updateAuth((a) => {
      a["other"] = 1;
    });
    expect((await store.readEnvFile()).get("GATEWAY_RELAY_SECRET")).toBe(SECRET);
    expect(await store.readAuth()).toEqual({ other: 1 });
    expect((await stat(store.envPath)).mode & 0o777).toBe(0o600);
    expect((await stat(store.authPath)).mode & 0o777).toBe(0o600);
  });

  it("managed install → CliError managed (nothing written)", async () => {
    const store = createHomeStore({ HERMES_HOME: home, HERMES_MANAGED: "1" }, "/nowhere");
    expect(await store.managed()).toEqual({ managed: true, reason: "HERMES_MANAGED is set" });
    expect(await cliError(store.setEnvValues([["GATEWAY_RELAY_SECRET", SECRET]]))).toMatchObject({
      code: "managed",
    });
    await expect(stat(store.envPath)).rejects.toThrow();
  });

  it("corrupt auth.json → CliError auth-unreadable naming the file; the file stays byte-identical", async () => {
    const store = createHomeStore({ HERMES_HOME: home }, "/nowhere");
    await writeFile(store.authPath, "{broken");
    const e = await cliError(store.updateAuth((a) => void (a["token"] = SECRET)));
    expect(e.code).toBe("auth-unreadable");
    expect(e.message).toContain(store.authPath);
    expect((await cliError(store.readAuth())).code).toBe("auth-unreadable");
    expect(await readFile(store.authPath, "utf8")).toBe("{broken");
  });

  it("unreadable .env → env-unreadable; a bad key → store", async () => {
    const store = createHomeStore({ HERMES_HOME: home }, "/nowhere");
    await mkdir(store.envPath);
    expect((await cliError(store.readEnvFile())).code).toBe("env-unreadable");
    expect((await cliError(store.setEnvValues([["1BAD", SECRET]]))).code).toBe("store");
  });

  it.each([
    ["LOCK_TIMEOUT", "locked"],
    ["LOCK_COMPROMISED", "locked"],
    ["AUTH_FILE_UNREADABLE", "auth-unreadable"],
    ["WRITE_FAILED", "store"],
  ] as const)(
    "%s → CliError %s, keeping the store's message",
    async (code: CredentialStoreErrorCode, cli) => {
      const cause = new CredentialStoreError(
        code,
        `about ${join(home, "auth.json")}`,
        join(home, "auth.json"),
      );
      const e = await cliError(guarded(() => Promise.reject(cause)));
      expect(e.code).toBe(cli);
      expect([e.message, ...e.hints].join("\n")).toContain(cause.message);
      expect(e.cause).toBe(cause);
    },
  );

  it("other errors pass through unchanged", async () => {
    const other = new Error("boom");
    await expect(guarded(() => Promise.reject(other))).rejects.toBe(other);
  });
});
