// Where HERMES_HOME is (docs/contract/hermes-home.md#location), and whether it is a managed install.
// Configuration is passed in: nothing here reads process.env.
import { statSync } from "node:fs";
import { join } from "node:path";
import { readHomeFileText } from "./read-file.js";

export type Env = Readonly<Record<string, string | undefined>>;

export interface ResolveHomeOptions {
  env: Env;
  /** The user's home directory (e.g. `os.homedir()`). */
  homedir: string;
  /** Default `process.platform`-like value; only "win32" changes the default root. */
  platform?: string;
}

export interface ResolvedHome {
  /** The directory the tools read and write: the root, or `<root>/profiles/<name>`. */
  home: string;
  /** `HERMES_HOME`, or the platform default. */
  root: string;
  /** The sticky profile from `<root>/active_profile`, when it redirected the home. */
  profile: string | null;
  /** Where the home came from. */
  source: "HERMES_HOME" | "default" | "active_profile";
}

const PROFILE_NAME = /^[A-Z0-9][\w.-]{0,63}$/i;

/**
 * `HERMES_HOME` wins (and is used as is: a profile is already selected by pointing at it);
 * else `~/.hermes` (`%LOCALAPPDATA%\hermes` on Windows), redirected to
 * `<root>/profiles/<name>` when `<root>/active_profile` names a profile. An unreadable or
 * malformed `active_profile` is ignored (the root is used).
 */
export function resolveHermesHome(opts: ResolveHomeOptions): ResolvedHome {
  const fromEnv = opts.env["HERMES_HOME"]?.trim();
  if (fromEnv) return { home: fromEnv, root: fromEnv, profile: null, source: "HERMES_HOME" };
  const root =
    (opts.platform ?? process.platform) === "win32" && opts.env["LOCALAPPDATA"]
      ? join(opts.env["LOCALAPPDATA"], "hermes")
      : join(opts.homedir, ".hermes");
  let name = "";
  try {
    name = (readHomeFileText(join(root, "active_profile"), 4096) ?? "").trim();
  } catch {
    name = "";
  }
  if (name !== "" && name !== "default" && PROFILE_NAME.test(name)) {
    return { home: join(root, "profiles", name), root, profile: name, source: "active_profile" };
  }
  return { home: root, root, profile: null, source: "default" };
}

export interface ManagedState {
  managed: boolean;
  /** Why, when managed: "HERMES_MANAGED is set" or "<home>/.managed exists". Never a value. */
  reason: string | null;
}

/** Managed (hosted) install: `HERMES_MANAGED` set to anything but brew/homebrew, or a `.managed` marker. */
export function isManaged(home: string, env: Env): ManagedState {
  const m = env["HERMES_MANAGED"];
  if (
    m !== undefined &&
    m.trim() !== "" &&
    !["brew", "homebrew"].includes(m.trim().toLowerCase())
  ) {
    return { managed: true, reason: "HERMES_MANAGED is set" };
  }
  try {
    statSync(join(home, ".managed"));
    return { managed: true, reason: `${join(home, ".managed")} exists` };
  } catch {
    return { managed: false, reason: null };
  }
}

export const authPath = (home: string): string => join(home, "auth.json");
export const envPath = (home: string): string => join(home, ".env");
