// The CLI's view of HERMES_HOME. INTERIM: a minimal local implementation until
// @hermes/credential-store lands; every call site goes through this interface so the swap
// touches this file only.
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
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
  /** Set keys in `.env` (atomic, mode 0600 for a new file); refuses in a managed install. */
  setEnvValues(entries: ReadonlyArray<readonly [string, string]>): Promise<void>;
  /** auth.json as parsed JSON; `{}` when absent. */
  readAuth(): Promise<Record<string, unknown>>;
  /** Read-modify-write auth.json (unknown keys kept; 0600; atomic). */
  updateAuth(mutate: (auth: Record<string, unknown>) => void): Promise<void>;
}

export function resolveHome(env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  const fromEnv = env.HERMES_HOME?.trim();
  return fromEnv ? fromEnv : join(homedir, ".hermes");
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function parseEnvValue(raw: string): string {
  const v = raw.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    return v.slice(1, -1).replace(/\\(["\\])/g, "$1");
  }
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  return v;
}

function formatEnvValue(value: string): string {
  const v = value.replace(/[\r\n]/g, "");
  return /[#"'\s]/.test(v) ? `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"` : v;
}

const LINE_RE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/;

export function createHomeStore(env: Readonly<Record<string, string | undefined>>, homedir: string): HomeStore {
  const home = resolveHome(env, homedir);
  const envPath = join(home, ".env");
  const authPath = join(home, "auth.json");
  const configPath = join(home, "config.yaml");
  const store: HomeStore = {
    home,
    envPath,
    authPath,
    configPath,
    async managed() {
      const m = env.HERMES_MANAGED;
      if (m !== undefined && m !== "" && m !== "brew" && m !== "homebrew") {
        return { managed: true, reason: "HERMES_MANAGED is set" };
      }
      if (await exists(join(home, ".managed"))) return { managed: true, reason: `${join(home, ".managed")} exists` };
      return { managed: false };
    },
    async readEnvFile() {
      const out = new Map<string, string>();
      let text: string;
      try {
        text = await readFile(envPath, "utf8");
      } catch {
        return out;
      }
      for (const line of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
        const m = LINE_RE.exec(line);
        if (m?.[1] && !out.has(m[1])) out.set(m[1], parseEnvValue(m[2] ?? ""));
      }
      return out;
    },
    async setEnvValues(entries) {
      if ((await store.managed()).managed) {
        throw new CliError("managed", "Refusing to write .env in a managed install.");
      }
      await mkdir(home, { recursive: true, mode: 0o700 });
      let lines: string[] = [];
      let mode = 0o600;
      try {
        lines = (await readFile(envPath, "utf8")).split("\n");
        mode = (await stat(envPath)).mode & 0o777;
        if (lines.at(-1) === "") lines.pop();
      } catch {
        lines = [];
      }
      for (const [key, value] of entries) {
        const text = `${key}=${formatEnvValue(value)}`;
        const i = lines.findIndex((l) => LINE_RE.exec(l)?.[1] === key);
        if (i >= 0) lines[i] = text;
        else lines.push(text);
      }
      const tmp = `${envPath}.tmp-${process.pid}`;
      await writeFile(tmp, `${lines.join("\n")}\n`, { mode });
      await rename(tmp, envPath);
    },
    async readAuth() {
      let text: string;
      try {
        text = await readFile(authPath, "utf8");
      } catch {
        return {};
      }
      try {
        const parsed: unknown = JSON.parse(text);
        return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
      } catch {
        throw new CliError("auth-unreadable", `Could not parse ${authPath}.`, { hints: ["Fix or move the file, then retry."] });
      }
    },
    async updateAuth(mutate) {
      const auth = await store.readAuth();
      mutate(auth);
      await mkdir(home, { recursive: true, mode: 0o700 });
      const tmp = `${authPath}.tmp-${process.pid}`;
      await writeFile(tmp, `${JSON.stringify(auth, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, authPath);
    },
  };
  return store;
}
