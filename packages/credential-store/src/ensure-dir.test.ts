// ensureDir / ensureDirSync make a folder and its parents (0700) without Node's recursive
// mkdir, which never returns where mkdir answers ENOENT although the parent exists (procfs).
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureDir, ensureDirSync } from "./atomic.js";
import { CredentialStoreError } from "./errors.js";

const dir = mkdtempSync(join(tmpdir(), "cred-ensure-dir-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ensureDirSync / ensureDir", () => {
  it("makes every missing folder, private, and leaves an existing one alone", async () => {
    const deep = join(dir, "a", "b", "c");
    ensureDirSync(deep);
    for (const folder of [join(dir, "a"), join(dir, "a", "b"), deep]) {
      const st = statSync(folder);
      expect(st.isDirectory()).toBe(true);
      expect(st.mode & 0o777).toBe(0o700 & ~process.umask());
    }
    mkdirSync(join(dir, "open"), { mode: 0o755 });
    ensureDirSync(join(dir, "open")); // exists: nothing changes
    expect(statSync(join(dir, "open")).mode & 0o777).toBe(0o755 & ~process.umask());
    await ensureDir(join(dir, "x", "y"));
    expect(statSync(join(dir, "x", "y")).isDirectory()).toBe(true);
  });

  it("a file in the way (the folder itself or one above it) is HOME_NOT_A_DIRECTORY, naming the path", async () => {
    writeFileSync(join(dir, "file"), "not a folder");
    for (const target of [join(dir, "file"), join(dir, "file", "below")]) {
      expect(() => ensureDirSync(target)).toThrow(
        expect.objectContaining({ code: "HOME_NOT_A_DIRECTORY", path: target }),
      );
      await expect(ensureDir(target)).rejects.toBeInstanceOf(CredentialStoreError);
    }
  });

  // Node 20's mkdirSync(…, {recursive: true}) spins forever here (and the async one never
  // settles): this test would time out, not fail, if ensureDirSync used it.
  it("a folder procfs will not create is WRITE_FAILED at once, naming the errno", () => {
    const target = "/proc/self/hermes-home/gateway";
    let error: unknown;
    try {
      ensureDirSync(target);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CredentialStoreError);
    expect(error).toMatchObject({ code: "WRITE_FAILED", path: target });
    expect((error as Error).message).toMatch(
      /^Cannot create the folder \/proc\/self\/hermes-home\/gateway \(E[A-Z]+\)/,
    );
  });
});
