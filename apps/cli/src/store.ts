// The CLI's binding to @hermes/credential-store (which owns the formats and the guarantees:
// locked, atomic writers; corrupt files reported, never overwritten). It only fixes the home
// once per command and turns credential-store errors into CliErrors with the next step.
import {
  CredentialStoreError,
  ensureDir,
  isManaged,
  readAuth,
  readEnvFile,
  resolveHermesHome,
  setEnvValues,
  unsetEnvValues,
  updateAuth,
  withFileLock,
  type JsonObject,
} from "@hermes/credential-store";
import { constants } from "node:fs";
import { join } from "node:path";
import { CliError } from "./errors.js";

export interface ManagedState {
  managed: boolean;
  /** Why, e.g. "HERMES_MANAGED is set" or "<home>/.managed exists". */
  reason?: string;
}

export interface HomeStore {
  readonly home: string;
  readonly envPath: string;
  readonly authPath: string;
  readonly configPath: string;
  managed(): Promise<ManagedState>;
  /** The KEY=value pairs of `.env`; empty when the file does not exist. */
  readEnvFile(): Promise<Map<string, string>>;
  /** Set keys in `.env` (locked, atomic, mode 0600 for a new file); refuses in a managed install. */
  setEnvValues(entries: ReadonlyArray<readonly [string, string]>): Promise<void>;
  /** Remove keys from `.env` (first definition each, every other byte kept); resolves with the keys removed. */
  unsetEnvValues(keys: readonly string[]): Promise<string[]>;
  /**
   * Throws a CliError (`home-not-writable`) unless HERMES_HOME exists or can be created, a
   * file can be created there, the `.env` lock can be taken, and an existing `.env` may be
   * replaced. Writes nothing that stays.
   */
  checkWritable(): Promise<void>;
  /** auth.json as parsed JSON; `{}` when absent. */
  readAuth(): Promise<JsonObject>;
  /** Read-modify-write auth.json under its lock (unknown keys kept; 0600; atomic). */
  updateAuth(mutate: (auth: JsonObject) => void): Promise<void>;
}

/** HERMES_HOME, else ~/.hermes redirected by a sticky active_profile. */
export function resolveHome(
  env: Readonly<Record<string, string | undefined>>,
  homedir: string,
): string {
  return resolveHermesHome({ env, homedir }).home;
}

/** Translate credential-store failures into CLI errors that say what to do next. */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof CredentialStoreError)) throw e;
    switch (e.code) {
      case "MANAGED_INSTALL":
        throw new CliError("managed", "Refusing to write .env in a managed install.", {
          hints: [e.message],
          cause: e,
        });
      case "AUTH_FILE_CORRUPT":
      case "AUTH_FILE_UNREADABLE":
        throw new CliError(
          "auth-unreadable",
          `Could not read ${e.path ?? "auth.json"}; nothing was changed.`,
          { hints: [e.message], cause: e },
        );
      case "ENV_FILE_UNREADABLE":
        throw new CliError(
          "env-unreadable",
          `Could not read ${e.path ?? ".env"}; nothing was changed.`,
          { hints: [e.message], cause: e },
        );
      case "LOCK_TIMEOUT":
      case "LOCK_COMPROMISED":
        throw new CliError("locked", e.message, {
          hints: ["Retry once the other Hermes command has finished."],
          cause: e,
        });
      default:
        throw new CliError("store", e.message, { cause: e });
    }
  }
}

export function createHomeStore(
  env: Readonly<Record<string, string | undefined>>,
  homedir: string,
): HomeStore {
  const home = resolveHome(env, homedir);
  return {
    home,
    envPath: join(home, ".env"),
    authPath: join(home, "auth.json"),
    configPath: join(home, "config.yaml"),
    async managed() {
      const m = isManaged(home, env);
      return m.managed
        ? { managed: true, reason: m.reason ?? "managed install" }
        : { managed: false };
    },
    readEnvFile: () => guarded(() => readEnvFile(home)),
    setEnvValues: (entries) => guarded(() => setEnvValues(home, entries, { env })),
    unsetEnvValues: (keys) => guarded(() => unsetEnvValues(home, keys, { env })),
    checkWritable: () => checkWritable(home),
    readAuth: () => guarded(() => readAuth(home)),
    updateAuth: (mutate) =>
      guarded(async () => {
        await updateAuth(home, (draft) => {
          mutate(draft);
        });
      }),
  };
}

function errnoOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : "error";
}

async function checkWritable(home: string): Promise<void> {
  // Loaded by this check only: commands that just read never load node:fs/promises (BENCH.md).
  const { access, rm, writeFile } = await import("node:fs/promises");
  const envFile = join(home, ".env");
  const fail = (what: string, e: unknown) =>
    new CliError(
      "home-not-writable",
      `HERMES_HOME ${home} is not writable: ${what} (${errnoOf(e)}).`,
      {
        hints: ["Fix its permissions or point HERMES_HOME at a writable folder, then retry."],
        cause: e,
      },
    );
  try {
    await ensureDir(home);
  } catch (e) {
    if (!(e instanceof CredentialStoreError)) throw e; // ensureDir reports every failure typed
    throw new CliError("home-not-writable", `HERMES_HOME ${home} is not writable: ${e.message}`, {
      hints: ["Point HERMES_HOME at a writable folder (or fix its permissions), then retry."],
      cause: e,
    });
  }
  // A file can be created there (fails at once on a read-only folder, where taking the lock
  // would only fail after its retries).
  const probe = join(home, `.hermes-write-probe-${process.pid}`);
  try {
    await writeFile(probe, "", { mode: 0o600 });
  } catch (e) {
    throw fail("cannot create a file in it", e);
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
  // The same lock the writers take.
  try {
    await withFileLock(envFile, async () => undefined, { timeoutMs: 5_000 });
  } catch (e) {
    if (e instanceof CredentialStoreError && e.code === "LOCK_TIMEOUT") {
      throw new CliError("locked", e.message, {
        hints: ["Retry once the other Hermes command has finished."],
        cause: e,
      });
    }
    throw fail("cannot lock .env", e);
  }
  try {
    await access(envFile, constants.W_OK);
  } catch (e) {
    if (errnoOf(e) !== "ENOENT") throw fail(`cannot replace ${envFile}`, e);
  }
}
