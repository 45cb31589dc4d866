// Cross-process serialization of writers, per file, with proper-lockfile (mkdir-based lock
// with stale-lock recovery: a lock whose holder died is taken over after `staleMs`).
import lockfile from "proper-lockfile";
import { ensureDir } from "./atomic.js";
import { CredentialStoreError } from "./errors.js";
import { dirname } from "node:path";

export interface LockOptions {
  /** A lock not refreshed for this long is considered abandoned. Default 10 000 ms (minimum 5 000). */
  staleMs?: number;
  /** Give up waiting after about this long. Default 30 000 ms. */
  timeoutMs?: number;
}

/** Run `fn` while holding the lock of `path` (the file need not exist). */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  await ensureDir(dirname(path));
  const stale = Math.max(opts.staleMs ?? 10_000, 5_000); // proper-lockfile's minimum
  const timeout = opts.timeoutMs ?? 30_000;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      stale,
      update: Math.floor(stale / 2),
      retries: { retries: Math.ceil(timeout / 25), factor: 1.2, minTimeout: 5, maxTimeout: 50, randomize: true },
      lockfilePath: `${path}.lock`,
    });
  } catch (e) {
    throw new CredentialStoreError(
      "LOCK_TIMEOUT",
      `Timed out waiting for the lock on ${path} (another Hermes tool is writing it, or ${path}.lock was left behind; remove it if no Hermes process is running).`,
      path,
    );
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
