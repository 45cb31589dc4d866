// Cross-process serialization of writers, per file, with proper-lockfile (mkdir-based lock
// with stale-lock recovery: a lock whose holder died is taken over after `staleMs`).
import { ensureDir } from "./atomic.js";
import { CredentialStoreError, errnoCode } from "./errors.js";
import { dirname } from "node:path";

export interface LockOptions {
  /** A lock not refreshed for this long is considered abandoned. Default 10 000 ms (minimum 2 000, the library's). */
  staleMs?: number;
  /** Give up waiting after about this long. Default 30 000 ms. */
  timeoutMs?: number;
}

/**
 * Run `fn` while holding the lock of `path` (the file need not exist). `fn` receives
 * `assertHeld`, to call right before committing a write: it throws LOCK_COMPROMISED when the
 * lock was lost meanwhile (e.g. the process stalled past `staleMs` and another writer took
 * it over), so a stale holder never clobbers a newer write. proper-lockfile's default
 * reaction to a lost lock is an uncaught throw (a crash); we turn it into this error.
 */
export async function withFileLock<T>(
  path: string,
  fn: (assertHeld: () => void) => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  await ensureDir(dirname(path));
  const stale = Math.max(opts.staleMs ?? 10_000, 2_000); // proper-lockfile's minimum
  let lost = false;
  const timeout = opts.timeoutMs ?? 30_000;
  let release: () => Promise<void>;
  // Loaded by writers only (it pulls in graceful-fs, signal-exit and assert): readers start faster.
  const { default: lockfile } = await import("proper-lockfile");
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      stale,
      update: Math.floor(stale / 2),
      retries: {
        retries: Math.ceil(timeout / 25),
        factor: 1.2,
        minTimeout: 5,
        maxTimeout: 50,
        randomize: true,
      },
      lockfilePath: `${path}.lock`,
      onCompromised: () => {
        lost = true;
      },
    });
  } catch (e) {
    if (errnoCode(e) !== "ELOCKED") {
      throw new CredentialStoreError(
        "WRITE_FAILED",
        `Cannot create the lock ${path}.lock (${errnoCode(e)}); check the folder's permissions. Nothing was written.`,
        path,
      );
    }
    throw new CredentialStoreError(
      "LOCK_TIMEOUT",
      `Timed out waiting for the lock on ${path} (another Hermes tool is writing it, or ${path}.lock was left behind; remove it if no Hermes process is running).`,
      path,
    );
  }
  const assertHeld = (): void => {
    if (lost) {
      throw new CredentialStoreError(
        "LOCK_COMPROMISED",
        `Lost the lock on ${path} before writing (this process stalled and another writer took over); nothing was written by this call, retry it.`,
        path,
      );
    }
  };
  try {
    return await fn(assertHeld);
  } finally {
    await release().catch(() => undefined);
  }
}
