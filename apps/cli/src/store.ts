// The CLI's binding to @hermes/credential-store (which owns the formats and the guarantees:
// locked, atomic writers; corrupt files reported, never overwritten). It only fixes the home
// once per command and turns credential-store errors into CliErrors with the next step.
import {
  CredentialStoreError,
  isManaged,
  readAuth,
  readEnvFile,
  resolveHermesHome,
  setEnvValues,
  updateAuth,
  type JsonObject,
} from "@hermes/credential-store";
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
  /** auth.json as parsed JSON; `{}` when absent. */
  readAuth(): Promise<JsonObject>;
  /** Read-modify-write auth.json under its lock (unknown keys kept; 0600; atomic). */
  updateAuth(mutate: (auth: JsonObject) => void): Promise<void>;
}

/** HERMES_HOME, else ~/.hermes redirected by a sticky active_profile. */
export function resolveHome(env: Readonly<Record<string, string | undefined>>, homedir: string): string {
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
        throw new CliError("managed", "Refusing to write .env in a managed install.", { hints: [e.message], cause: e });
      case "AUTH_FILE_CORRUPT":
      case "AUTH_FILE_UNREADABLE":
        throw new CliError("auth-unreadable", `Could not read ${e.path ?? "auth.json"}; nothing was changed.`, { hints: [e.message], cause: e });
      case "ENV_FILE_UNREADABLE":
        throw new CliError("env-unreadable", `Could not read ${e.path ?? ".env"}; nothing was changed.`, { hints: [e.message], cause: e });
      case "LOCK_TIMEOUT":
      case "LOCK_COMPROMISED":
        throw new CliError("locked", e.message, { hints: ["Retry once the other Hermes command has finished."], cause: e });
      default:
        throw new CliError("store", e.message, { cause: e });
    }
  }
}

export function createHomeStore(env: Readonly<Record<string, string | undefined>>, homedir: string): HomeStore {
  const home = resolveHome(env, homedir);
  return {
    home,
    envPath: join(home, ".env"),
    authPath: join(home, "auth.json"),
    configPath: join(home, "config.yaml"),
    async managed() {
      const m = isManaged(home, env);
      return m.managed ? { managed: true, reason: m.reason ?? "managed install" } : { managed: false };
    },
    readEnvFile: () => guarded(() => readEnvFile(home)),
    setEnvValues: (entries) => guarded(() => setEnvValues(home, entries, { env })),
    readAuth: () => guarded(() => readAuth(home)),
    updateAuth: (mutate) =>
      guarded(async () => {
        await updateAuth(home, (draft) => {
          mutate(draft);
        });
      }),
  };
}
