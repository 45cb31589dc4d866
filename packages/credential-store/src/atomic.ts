// Crash-safe replacement of a file: a temp file in the same directory, created with the
// final mode from its first byte (no chmod-after window), written, fsynced, renamed over the
// target, then the directory fsynced. A crash at any point leaves the old or the new file.
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** `beforeRename` runs after the temp file is durable and may throw to abandon the write. */
export async function writeFileAtomic(path: string, data: string, mode: number, beforeRename?: () => void): Promise<void> {
  const dir = dirname(path);
  await ensureDir(dir);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let renamed = false;
  try {
    const fh = await open(tmp, "wx", mode);
    try {
      await fh.chmod(mode); // umask may have narrowed or widened nothing we want: pin it
      await fh.writeFile(data, "utf8");
      await fh.sync();
    } finally {
      await fh.close();
    }
    beforeRename?.();
    await rename(tmp, path);
    renamed = true;
    try {
      const d = await open(dir, "r");
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    } catch {
      // Directory fsync is best effort (not supported everywhere).
    }
  } finally {
    if (!renamed) await unlink(tmp).catch(() => undefined);
  }
}
