// The one place where the gateway's configuration is resolved (spec relay-contract §8).
// Order, key by key: the real environment, then `$HERMES_HOME/.env` (never overriding the
// real environment), then the `gateway:` block of `config.yaml`, then defaults. Every value
// remembers where it came from so an error can name both the key and its source.
import { homedir, hostname as osHostname } from "node:os";
import { join } from "node:path";
import { parseDotenv, resolveHermesHome } from "@hermes/credential-store";
import { parse as parseYaml } from "yaml";
import { ConfigError, type ConfigSource } from "./errors.js";
import { resolvePolicies, type RelayPolicy } from "./policy.js";

export interface Sourced<T> {
  readonly value: T;
  readonly source: ConfigSource;
  /** The env var or `gateway.<key>` the value was read from ("" for defaults). */
  readonly key: string;
}

export type AgentSpec =
  | { readonly kind: "echo" }
  | { readonly kind: "exec"; readonly command: string }
  | { readonly kind: "http"; readonly url: string };

export interface GatewayConfig {
  readonly home: string;
  readonly relayUrl: Sourced<string | null>;
  readonly relayEnabled: Sourced<boolean>;
  readonly relayId: Sourced<string>;
  readonly relaySecret: Sourced<string | null>;
  readonly relayDeliveryKey: Sourced<string | null>;
  readonly relayWakeUrl: Sourced<string | null>;
  readonly relayPlatforms: Sourced<readonly string[]>;
  readonly relayBotIds: Sourced<Readonly<Record<string, { botId?: string }>>>;
  /** What `POST /relay/policy` declares at boot, per platform (all-default platforms omitted, except Discord). */
  readonly relayPolicies: readonly RelayPolicy[];
  readonly inboundHost: Sourced<string>;
  readonly inboundPort: Sourced<number | null>;
  readonly agent: Sourced<AgentSpec>;
  readonly agentTimeoutMs: Sourced<number>;
  readonly healthHost: Sourced<string>;
  readonly healthPort: Sourced<number | null>;
  readonly drainTimeoutMs: Sourced<number>;
  readonly logLevel: Sourced<string>;
  /** `<PLATFORM>_ALLOWED_USERS`, keyed by lower-case platform name. */
  readonly allowedUsers: ReadonlyMap<string, ReadonlySet<string>>;
  /** Values that must never be printed (secrets found anywhere in the configuration). */
  readonly secretValues: readonly string[];
  readonly warnings: readonly string[];
}

export interface ResolveOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file as UTF-8; returns null when it does not exist. */
  readonly readFile: (path: string) => string | null;
  readonly hostname?: () => string;
  readonly homedir?: () => string;
}

const LOG_LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/** HERMES_HOME, else ~/.hermes redirected by a sticky `active_profile` (via @hermes/credential-store). */
export function resolveHome(env: ResolveOptions["env"], home: () => string = homedir): string {
  return resolveHermesHome({ env, homedir: home() }).home;
}

export function resolveConfig(opts: ResolveOptions): GatewayConfig {
  const env = opts.env;
  const warnings: string[] = [];
  const home = resolveHome(env, opts.homedir);

  const dotenvText = opts.readFile(join(home, ".env"));
  const dotenv = dotenvText === null ? new Map<string, string>() : parseDotenv(dotenvText);

  const yamlPath = join(home, "config.yaml");
  const yamlText = opts.readFile(yamlPath);
  let yamlDoc: unknown = {};
  if (yamlText !== null) {
    try {
      yamlDoc = parseYaml(yamlText) ?? {};
    } catch (e) {
      throw new ConfigError("config.yaml", yamlPath, `not valid YAML (${(e as Error).message.split("\n")[0]}); fix or remove the file`);
    }
  }
  const gatewayBlock = asRecord(asRecord(yamlDoc)?.gateway) ?? {};

  const envOrDotenv = (name: string): Sourced<string> | null => {
    const v = env[name];
    if (v !== undefined && v !== "") return { value: v, source: "env", key: name };
    const d = dotenv.get(name);
    if (d !== undefined && d !== "") return { value: d, source: ".env", key: name };
    return null;
  };
  const str = (name: string, yamlKey: string | null): Sourced<string> | null => {
    const e = envOrDotenv(name);
    if (e) return e;
    if (yamlKey === null) return null;
    const y = gatewayBlock[yamlKey];
    if (y === undefined || y === null || y === "") return null;
    if (typeof y !== "string" && typeof y !== "number") {
      throw new ConfigError(`gateway.${yamlKey}`, "config.yaml", "expected a string");
    }
    return { value: String(y), source: "config.yaml", key: `gateway.${yamlKey}` };
  };
  const optStr = (name: string, yamlKey: string | null): Sourced<string | null> =>
    str(name, yamlKey) ?? { value: null, source: "default", key: "" };
  const int = (name: string, yamlKey: string, min: number, max: number, dflt: number | null): Sourced<number | null> => {
    const s = str(name, yamlKey);
    if (!s) return { value: dflt, source: "default", key: "" };
    const n = /^\d+$/.test(s.value.trim()) ? Number(s.value.trim()) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new ConfigError(s.key, s.source, `expected an integer from ${min} to ${max}, got ${JSON.stringify(s.value)}`);
    }
    return { value: n, source: s.source, key: s.key };
  };
  const intReq = (name: string, yamlKey: string, min: number, max: number, dflt: number): Sourced<number> =>
    int(name, yamlKey, min, max, dflt) as Sourced<number>;

  // Relay URL: trailing "/" stripped; must be ws(s) or http(s).
  const rawUrl = str("GATEWAY_RELAY_URL", "relay_url");
  let relayUrl: Sourced<string | null> = { value: null, source: "default", key: "" };
  if (rawUrl) {
    const v = stripTrailingSlashes(rawUrl.value.trim());
    let ok = false;
    try {
      ok = ["ws:", "wss:", "http:", "https:"].includes(new URL(v).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError(rawUrl.key, rawUrl.source, "expected a ws://, wss://, http:// or https:// URL");
    relayUrl = { ...rawUrl, value: v };
  }

  const relayBlock = asRecord(asRecord(asRecord(yamlDoc)?.platforms)?.relay);
  const enabledRaw = relayBlock?.enabled;
  if (enabledRaw !== undefined && typeof enabledRaw !== "boolean") {
    throw new ConfigError("platforms.relay.enabled", "config.yaml", "expected true or false");
  }
  const relayEnabled: Sourced<boolean> =
    enabledRaw === false
      ? { value: false, source: "config.yaml", key: "platforms.relay.enabled" }
      : { value: relayUrl.value !== null, source: relayUrl.source, key: relayUrl.key };

  const host = (opts.hostname ?? osHostname)();
  const relayId: Sourced<string> = str("GATEWAY_RELAY_ID", "relay_id") ?? {
    value: host ? `gw-${host}` : "gw-hermes",
    source: "default",
    key: "",
  };

  const platformsRaw = envOrDotenv("GATEWAY_RELAY_PLATFORMS");
  const relayPlatforms: Sourced<readonly string[]> = platformsRaw
    ? { ...platformsRaw, value: splitList(platformsRaw.value).map((p) => p.toLowerCase()) }
    : { value: [], source: "default", key: "" };

  const botIdsRaw = envOrDotenv("GATEWAY_RELAY_BOT_IDS");
  let relayBotIds: Sourced<Record<string, { botId?: string }>> = { value: {}, source: "default", key: "" };
  if (botIdsRaw) {
    const parsed = parseBotIds(botIdsRaw.value);
    if (parsed === null) {
      warnings.push(`${botIdsRaw.key} (from ${botIdsRaw.source}) is not a JSON object like {"discord":{"botId":"..."}}; using {}`);
    } else relayBotIds = { ...botIdsRaw, value: parsed };
  }

  const agentRaw = str("GATEWAY_AGENT", "agent");
  const agent: Sourced<AgentSpec> = agentRaw
    ? { ...agentRaw, value: parseAgent(agentRaw) }
    : { value: { kind: "echo" }, source: "default", key: "" };

  const logLevelRaw = str("GATEWAY_LOG_LEVEL", "log_level");
  if (logLevelRaw && !LOG_LEVELS.has(logLevelRaw.value)) {
    throw new ConfigError(logLevelRaw.key, logLevelRaw.source, `expected one of ${[...LOG_LEVELS].join(", ")}`);
  }

  const allowedUsers = new Map<string, Set<string>>();
  const names = new Set([...Object.keys(env), ...dotenv.keys()]);
  for (const name of names) {
    const m = /^([A-Z0-9]+)_ALLOWED_USERS$/.exec(name);
    if (!m) continue;
    const s = envOrDotenv(name);
    if (s) allowedUsers.set((m[1] as string).toLowerCase(), new Set(splitList(s.value)));
  }

  const relaySecret = optStr("GATEWAY_RELAY_SECRET", "relay_secret");
  const relayDeliveryKey = optStr("GATEWAY_RELAY_DELIVERY_KEY", "relay_delivery_key");
  const secretValues = [relaySecret.value, relayDeliveryKey.value, envOrDotenv("GATEWAY_RELAY_ENROLL_TOKEN")?.value ?? null].filter(
    (v): v is string => typeof v === "string" && v.length > 0,
  );

  if (relayEnabled.value && relayPlatforms.value.length === 0) {
    throw new ConfigError(
      "GATEWAY_RELAY_PLATFORMS",
      platformsRaw ? platformsRaw.source : "default",
      "the relay needs at least one platform to front (one hello each), e.g. GATEWAY_RELAY_PLATFORMS=discord",
    );
  }
  const relayPolicies = resolvePolicies(relayPlatforms.value, envOrDotenv, asRecord(asRecord(yamlDoc)?.platforms));

  return {
    home,
    relayUrl,
    relayEnabled,
    relayId,
    relaySecret,
    relayDeliveryKey,
    relayWakeUrl: optStr("GATEWAY_RELAY_WAKE_URL", "relay_wake_url"),
    relayPlatforms,
    relayBotIds,
    relayPolicies,
    inboundHost: str("GATEWAY_RELAY_INBOUND_HOST", "relay_inbound_host") ?? { value: "127.0.0.1", source: "default", key: "" },
    inboundPort: int("GATEWAY_RELAY_INBOUND_PORT", "relay_inbound_port", 1, 65535, null),
    agent,
    agentTimeoutMs: intReq("GATEWAY_AGENT_TIMEOUT_MS", "agent_timeout_ms", 1, 86_400_000, 120_000),
    healthHost: str("GATEWAY_HEALTH_HOST", "health_host") ?? { value: "127.0.0.1", source: "default", key: "" },
    healthPort: int("GATEWAY_HEALTH_PORT", "health_port", 0, 65535, null),
    drainTimeoutMs: intReq("GATEWAY_DRAIN_TIMEOUT_MS", "drain_timeout_ms", 0, 3_600_000, 30_000),
    logLevel: logLevelRaw ?? { value: "info", source: "default", key: "" },
    allowedUsers,
    secretValues,
    warnings,
  };
}

function parseAgent(s: Sourced<string>): AgentSpec {
  const v = s.value.trim();
  if (v === "echo") return { kind: "echo" };
  if (v.startsWith("exec:")) {
    const command = v.slice(5).trim();
    if (command === "") throw new ConfigError(s.key, s.source, "exec: needs a command, e.g. exec:./my-agent.sh");
    return { kind: "exec", command };
  }
  if (/^https?:\/\//.test(v)) {
    try {
      new URL(v);
      return { kind: "http", url: v };
    } catch {
      /* fall through */
    }
  }
  throw new ConfigError(s.key, s.source, `expected "echo", "exec:<command>" or an http(s) URL, got ${JSON.stringify(v)}`);
}

function parseBotIds(text: string): Record<string, { botId?: string }> | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const rec = asRecord(v);
  if (!rec) return null;
  const out: Record<string, { botId?: string }> = {};
  for (const [k, entry] of Object.entries(rec)) {
    const e = asRecord(entry);
    if (!e) return null;
    out[k.toLowerCase()] = typeof e.botId === "string" ? { botId: e.botId } : {};
  }
  return out;
}

function splitList(s: string): string[] {
  return s
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/**
 * `text` without its trailing `/`s. A loop, not `/\/+$/`: that regex restarts at every `/` of
 * a long run and fails at its end each time (quadratic on a string of slashes).
 */
function stripTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end--;
  return text.slice(0, end);
}
