import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MediaCache, safeFileName } from "./media-cache.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "media-cache-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("safeFileName", () => {
  it("keeps a base name that cannot leave the directory", () => {
    expect(safeFileName("../../etc/passwd")).toBe("etc_passwd");
    expect(safeFileName("..")).toBe("attachment");
    expect(safeFileName(null)).toBe("attachment");
    expect(safeFileName("héllo wörld.jpg")).toBe("h_llo_w_rld.jpg");
    expect(safeFileName(`${"a".repeat(500)}.png`)).toHaveLength(80);
  });
});

describe("MediaCache", () => {
  it("writes files 0600 and deletes the oldest when over the total bound", async () => {
    const cache = new MediaCache({
      dir: join(dir, "cache"),
      maxFileBytes: 100,
      maxTotalBytes: 250,
    });
    const first = await cache.store("a.txt", Buffer.alloc(100, 1));
    const second = await cache.store("b.txt", Buffer.alloc(100, 2));
    const third = await cache.store("c.txt", Buffer.alloc(100, 3));
    const left = (await readdir(join(dir, "cache"))).sort();
    expect(left).toHaveLength(2);
    expect(left.some((name) => first.endsWith(name))).toBe(false);
    expect((await readFile(second))[0]).toBe(2);
    expect((await readFile(third))[0]).toBe(3);
    expect(cache.totalBytes).toBe(200);
    const { stat } = await import("node:fs/promises");
    expect((await stat(third)).mode & 0o777).toBe(0o600);
    await expect(cache.store("big", Buffer.alloc(101))).rejects.toThrow(RangeError);
  });

  it("counts files an earlier process left, and removes its unfinished writes", async () => {
    const cacheDir = join(dir, "cache");
    const earlier = new MediaCache({ dir: cacheDir, maxTotalBytes: 1000 });
    await earlier.store("old.txt", Buffer.alloc(600));
    await writeFile(join(cacheDir, "x.partial"), "half");
    const later = new MediaCache({ dir: cacheDir, maxTotalBytes: 1000 });
    await later.store("new.txt", Buffer.alloc(600));
    const left = await readdir(cacheDir);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/new\.txt$/);
  });
});
