// Crash-safe replacement of a file: a temp file in the same directory, created with the
// final mode from its first byte (no chmod-after window), written, fsynced, renamed over the
// target, then the directory fsynced. A crash at any point leaves the old or the new file.
import { mkdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { CredentialStoreError, errnoCode } from "./errors.js";

/**
 * node:fs/promises, loaded by the first write: a process that only reads (a status command)
 * never loads it, a measurable share of its start-up (apps/cli/BENCH.md).
 */
const fsp = () => import("node:fs/promises");

/** Create `dir` (0700) and its parents; a file in the way is a typed error naming it. */
export async function ensureDir(dir: string): Promise<void> {
  ensureDirSync(dir);
}

/**
 * `ensureDir` for synchronous callers (a journal opened at boot). Node's own recursive mkdir
 * (sync and async alike, Node 20) never returns where `mkdir` answers ENOENT although the
 * parent exists — procfs, e.g. `HERMES_HOME=/proc/self/hermes` on Linux: it creates the parent
 * (EEXIST), retries the child (ENOENT) and starts over, forever. So the missing folders are
 * found by walking up with `stat` and made one by one, top down: bounded by the path's depth,
 * and such a path is a typed error.
 */
export function ensureDirSync(dir: string): void {
  const notADirectory = () =>
    new CredentialStoreError(
      "HOME_NOT_A_DIRECTORY",
      `${dir} (or a folder above it) exists but is not a directory, so nothing can be written there; point HERMES_HOME at a directory or move the file aside.`,
      dir,
    );
  const cannotCreate = (e: unknown) =>
    new CredentialStoreError(
      "WRITE_FAILED",
      `Cannot create the folder ${dir} (${errnoCode(e)}); check the permissions above it. Nothing was written.`,
      dir,
    );
  const missing: string[] = [];
  for (let current = resolve(dir); ;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(current).isDirectory();
    } catch (e) {
      const code = errnoCode(e);
      if (code === "ENOTDIR") throw notADirectory();
      if (code !== "ENOENT") throw cannotCreate(e);
      missing.push(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
      continue;
    }
    if (!isDirectory) throw notADirectory();
    break;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder, { mode: 0o700 });
    } catch (e) {
      // Made meanwhile by another process: fine if it is a folder.
      if (errnoCode(e) !== "EEXIST") throw cannotCreate(e);
      if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw notADirectory();
    }
  }
}

/**
 * The file a write of `path` must replace. A symlink is followed (dotfile managers and other
 * Hermes tools link these files), so the link survives and its target gets the new contents,
 * atomically, through a temp file in the TARGET's directory. A dangling link or a link loop
 * is refused with a typed error: creating a file at wherever a broken link points is a guess.
 */
export async function resolveWriteTarget(path: string): Promise<string> {
  await ensureDir(dirname(path));
  const { lstat, realpath } = await fsp();
  try {
    if (!(await lstat(path)).isSymbolicLink()) return path;
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return path;
    throw new CredentialStoreError(
      "WRITE_FAILED",
      `Cannot inspect ${path} (${errnoCode(e)}); check its permissions. Nothing was written.`,
      path,
    );
  }
  try {
    return await realpath(path);
  } catch (e) {
    const code = errnoCode(e);
    if (code === "ELOOP") {
      throw new CredentialStoreError(
        "SYMLINK_LOOP",
        `${path} is a symbolic link that loops back on itself; replace it with a file or a link to one. Nothing was written.`,
        path,
      );
    }
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new CredentialStoreError(
        "SYMLINK_DANGLING",
        `${path} is a symbolic link to a file that does not exist; restore its target or remove the link. Nothing was written.`,
        path,
      );
    }
    throw new CredentialStoreError(
      "WRITE_FAILED",
      `Cannot follow the symbolic link ${path} (${code}); check its target's permissions. Nothing was written.`,
      path,
    );
  }
}

/** `beforeRename` runs after the temp file is durable and may throw to abandon the write. */
export async function writeFileAtomic(
  path: string,
  data: string,
  mode: number,
  beforeRename?: () => void,
): Promise<void> {
  const dir = dirname(path);
  await ensureDir(dir);
  // node:crypto is loaded by writers only: readers (status commands) start faster without it.
  const [{ randomBytes }, { open, rename, unlink }] = await Promise.all([
    import("node:crypto"),
    fsp(),
  ]);
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
