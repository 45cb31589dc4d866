// The file-system edges of HERMES_HOME, on real files: a home that is a file, world-readable
// secret files, and symlinked auth.json / .env (followed, atomically; dangling or looping
// links refused with a typed error).
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type CredentialStoreError,
  readAuth,
  readEnvFile,
  setEnvValue,
  storePhotonToken,
  updateAuth,
} from "../src/index.js";
import { caught, useTempDirs } from "./support/temp.js";

const TOKEN = "photon-dashboard-token-SECRET-9";
const RELAY_SECRET = "relay-secret-SECRET-8";

const root = useTempDirs("cred-bounds-");
const mode = (p: string) => statSync(p).mode & 0o777;
/** The typed error, whose message must never hold a secret. */
async function refused(p: Promise<unknown>): Promise<CredentialStoreError> {
  const e = await caught(p);
  for (const secret of [TOKEN, RELAY_SECRET]) expect(e.message).not.toContain(secret);
  return e;
}

describe("a HERMES_HOME that is not a directory", () => {
  it("a regular file: every writer fails HOME_NOT_A_DIRECTORY naming the path, and the file is untouched", async () => {
    const home = join(root(), "hermes");
    writeFileSync(home, "not a folder");
    for (const write of [
      () => storePhotonToken(home, TOKEN),
      () => updateAuth(home, () => ({})),
      () => setEnvValue(home, "GATEWAY_RELAY_SECRET", RELAY_SECRET, { env: {} }),
    ]) {
      const e = await refused(write());
      expect(e.code).toBe("HOME_NOT_A_DIRECTORY");
      expect(e.path).toBe(home);
      expect(e.message).toContain(home);
    }
    expect(readFileSync(home, "utf8")).toBe("not a folder");
    // Readers give typed errors too, never a raw ENOTDIR.
    expect((await refused(readAuth(home))).code).toBe("AUTH_FILE_UNREADABLE");
    expect((await refused(readEnvFile(home))).code).toBe("ENV_FILE_UNREADABLE");
  });

  it("a file above it: HOME_NOT_A_DIRECTORY too", async () => {
    const r = root();
    writeFileSync(join(r, "blocker"), "");
    const e = await refused(storePhotonToken(join(r, "blocker", "hermes"), TOKEN));
    expect(e.code).toBe("HOME_NOT_A_DIRECTORY");
  });
});

describe("modes", () => {
  for (const wide of [0o666, 0o644]) {
    it(`an existing .env of mode 0${wide.toString(8)} is 0600 after a secret is written into it, other lines kept`, async () => {
      const home = root();
      writeFileSync(join(home, ".env"), "# mine\nOTHER=1\n");
      chmodSync(join(home, ".env"), wide);
      await setEnvValue(home, "GATEWAY_RELAY_SECRET", RELAY_SECRET, { env: {} });
      expect(mode(join(home, ".env"))).toBe(0o600);
      expect(readFileSync(join(home, ".env"), "utf8")).toBe(
        `# mine\nOTHER=1\nGATEWAY_RELAY_SECRET=${RELAY_SECRET}\n`,
      );
    });
  }

  it("an existing auth.json of mode 0644 is 0600 after a write", async () => {
    const home = root();
    writeFileSync(join(home, "auth.json"), "{}");
    chmodSync(join(home, "auth.json"), 0o644);
    await storePhotonToken(home, TOKEN);
    expect(mode(join(home, "auth.json"))).toBe(0o600);
  });
});

describe("symlinked auth.json and .env", () => {
  /** A home whose `name` is a relative symlink to `<root>/dotfiles/<name>`, as stow or a dotfile manager sets up. */
  function linkedHome(name: string, content: string) {
    const r = root();
    const home = join(r, "hermes");
    const dotfiles = join(r, "dotfiles");
    mkdirSync(home);
    mkdirSync(dotfiles);
    writeFileSync(join(dotfiles, name), content);
    chmodSync(join(dotfiles, name), 0o644);
    symlinkSync(join("..", "dotfiles", name), join(home, name));
    return { home, link: join(home, name), target: join(dotfiles, name), dotfiles };
  }

  it("auth.json: the link is kept and its target gets the new document, 0600, other keys kept, no temp file left", async () => {
    const { home, link, target, dotfiles } = linkedHome(
      "auth.json",
      JSON.stringify({ other_tool: { keep: true } }),
    );
    await storePhotonToken(home, TOKEN, { now: () => 1_763_000_000_000 });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(join("..", "dotfiles", "auth.json"));
    expect(JSON.parse(readFileSync(target, "utf8"))).toEqual({
      credential_pool: { photon: [{ access_token: TOKEN, issued_at: 1_763_000_000 }] },
      other_tool: { keep: true },
    });
    expect(mode(target)).toBe(0o600);
    expect(readdirSync(dotfiles).sort()).toEqual(["auth.json"]);
    expect(readdirSync(home).sort()).toEqual(["auth.json"]);
    expect(await readAuth(home)).toMatchObject({ other_tool: { keep: true } });
  });

  it(".env: the link is kept and its target gets the new line, 0600", async () => {
    const { home, link, target } = linkedHome(".env", "KEEP=1\n");
    await setEnvValue(home, "GATEWAY_RELAY_SECRET", RELAY_SECRET, { env: {} });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toBe(`KEEP=1\nGATEWAY_RELAY_SECRET=${RELAY_SECRET}\n`);
    expect(mode(target)).toBe(0o600);
    expect(Object.fromEntries(await readEnvFile(home))).toEqual({
      KEEP: "1",
      GATEWAY_RELAY_SECRET: RELAY_SECRET,
    });
  });

  it("a chain of links is followed to the file at its end", async () => {
    const { home, target } = linkedHome("auth.json", "{}");
    const hop = join(home, "..", "hop.json");
    rmSync(join(home, "auth.json"));
    symlinkSync(target, hop);
    symlinkSync(hop, join(home, "auth.json"));
    await storePhotonToken(home, TOKEN);
    expect(lstatSync(hop).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toContain(TOKEN);
  });

  for (const name of ["auth.json", ".env"]) {
    const write = (home: string) =>
      name === ".env"
        ? setEnvValue(home, "GATEWAY_RELAY_SECRET", RELAY_SECRET, { env: {} })
        : storePhotonToken(home, TOKEN);

    it(`a dangling ${name} link: SYMLINK_DANGLING, nothing created at its target, the link kept`, async () => {
      const home = root();
      const missing = join(home, "..", `missing-${name}-${Date.now()}`);
      symlinkSync(missing, join(home, name));
      const e = await refused(write(home));
      expect(e).toMatchObject({ code: "SYMLINK_DANGLING", path: join(home, name) });
      expect(e.message).toContain(join(home, name));
      expect(existsSync(missing)).toBe(false);
      expect(lstatSync(join(home, name)).isSymbolicLink()).toBe(true);
      expect(readdirSync(home)).toEqual([name]);
    });

    it(`a ${name} link loop (a → b → a, and a → a): SYMLINK_LOOP, links kept`, async () => {
      const home = root();
      symlinkSync(join(home, "b"), join(home, name));
      symlinkSync(join(home, name), join(home, "b"));
      expect(await refused(write(home))).toMatchObject({
        code: "SYMLINK_LOOP",
        path: join(home, name),
      });
      const self = root();
      symlinkSync(join(self, name), join(self, name));
      expect((await refused(write(self))).code).toBe("SYMLINK_LOOP");
      expect(lstatSync(join(home, name)).isSymbolicLink()).toBe(true);
      // Readers: a loop is a typed "unreadable" error, never a crash.
      const read = name === ".env" ? readEnvFile(home) : readAuth(home);
      expect((await refused(read)).code).toBe(
        name === ".env" ? "ENV_FILE_UNREADABLE" : "AUTH_FILE_UNREADABLE",
      );
    });
  }
});
