// The temp file is created with the final mode by open() itself (no chmod-after window), in
// the target's directory, exclusively; a failed write leaves the old file and no temp file.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import type * as FsPromises from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

const opened: Array<{ path: string; flags: unknown; mode: unknown }> = [];
vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  return {
    ...real,
    open: (path: string, flags?: unknown, mode?: unknown) => {
      opened.push({ path, flags, mode });
      return real.open(path, flags as string, mode as number);
    },
  };
});
const { writeFileAtomic } = await import("./atomic.js");

const dir = mkdtempSync(join(tmpdir(), "cred-atomic-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeFileAtomic", () => {
  it("opens a fresh temp file next to the target with the final mode, then renames it over", async () => {
    const target = join(dir, "auth.json");
    opened.length = 0;
    await writeFileAtomic(target, "{}", 0o600);
    const tmp = opened.find((o) => o.path !== dir);
    expect(tmp).toMatchObject({ flags: "wx", mode: 0o600 });
    expect(dirname(tmp!.path)).toBe(dir);
    expect(tmp!.path).not.toBe(target);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readFileSync(target, "utf8")).toBe("{}");
    expect(readdirSync(dir)).toEqual(["auth.json"]);
  });

  it("a write abandoned before the rename leaves the old file and no temp file", async () => {
    const target = join(dir, ".env");
    writeFileSync(target, "A=1\n", { mode: 0o640 });
    await expect(
      writeFileAtomic(target, "A=2\n", 0o640, () => {
        throw new Error("abandon");
      }),
    ).rejects.toThrow("abandon");
    expect(readFileSync(target, "utf8")).toBe("A=1\n");
    expect(readdirSync(dir).sort()).toEqual([".env", "auth.json"]);
  });
});
