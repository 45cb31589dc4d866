// Where a relay setting comes from: the process environment, then `$HERMES_HOME/.env` (the
// gateway loads it into its environment at start), then `config.yaml`'s `gateway:` block,
// then a default.
import type { CliContext } from "../context.js";
import { configString } from "../config-file.js";

export type SettingSource = "flag" | "env" | ".env" | "config.yaml" | "default";

export interface Resolved<T = string> {
  value: T;
  source: SettingSource;
}

export interface SettingsView {
  env: CliContext["env"];
  dotenv: ReadonlyMap<string, string>;
  config: Record<string, unknown>;
}

/** The env var from the process environment or `.env` (non-empty after trimming). */
export function envSetting(view: SettingsView, name: string): Resolved | undefined {
  const fromEnv = view.env[name]?.trim();
  if (fromEnv) return { value: fromEnv, source: "env" };
  const fromFile = view.dotenv.get(name)?.trim();
  if (fromFile) return { value: fromFile, source: ".env" };
  return undefined;
}

/** env → .env → `config.yaml` `gateway.<key>`. */
export function relaySetting(view: SettingsView, envName: string, configKey: string | undefined): Resolved | undefined {
  const e = envSetting(view, envName);
  if (e) return e;
  if (configKey === undefined) return undefined;
  const c = configString(view.config, "gateway", configKey);
  return c ? { value: c, source: "config.yaml" } : undefined;
}

/** The default gateway instance id: `gw-<hostname>`, `gw-hermes` when there is none. */
export function defaultGatewayId(hostname: string): string {
  const host = hostname.trim();
  return `gw-${host || "hermes"}`;
}

/**
 * `text` without its trailing `/`s. A loop, not `/\/+$/`: that regex restarts at every `/` of
 * a long run and fails at its end each time (quadratic on a string of slashes).
 */
export function stripTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end--;
  return text.slice(0, end);
}

/**
 * The connector's HTTP base for enrollment from a relay URL: ws→http, wss→https, trailing
 * `/` and one trailing `/relay` segment removed. Returns undefined for an unusable URL.
 */
export function connectorBaseUrl(raw: string): URL | undefined {
  let s = stripTrailingSlashes(raw.trim());
  if (s.startsWith("ws://")) s = `http://${s.slice(5)}`;
  else if (s.startsWith("wss://")) s = `https://${s.slice(6)}`;
  if (s.endsWith("/relay")) s = s.slice(0, -"/relay".length);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.search || url.hash || url.username || url.password) return undefined;
  return url;
}

/** `base` + `/relay/enroll`, keeping any path prefix of the base. */
export function enrollUrl(base: URL): URL {
  const prefix = stripTrailingSlashes(base.pathname);
  return new URL(`${prefix}/relay/enroll`, base.origin);
}
