// The gateway's whole configuration (docs/contract/relay.md#gateway-configuration), resolved
// from a SettingsSource: what `hermes-gateway run` resolves at boot and `hermes doctor` checks,
// one code for both (`@hermes/settings/gateway`, a subpath of its own: it needs the relay
// adapter's media defaults, which the other settings users never load). Every value remembers
// where it came from, so an error names both the key and its source.
import {
  DEFAULT_MEDIA_CACHE_MAX_AGE_MS,
  DEFAULT_MEDIA_CACHE_MAX_BYTES,
  type GatewayCommand,
} from "@hermes/relay-adapter";
import { SettingsError } from "./errors.js";
import { resolvePhotonConfig, type PhotonConfig } from "./gateway-photon.js";
import { resolvePolicies, type RelayPolicy } from "./gateway-policy.js";
import { parseUrl } from "./parse.js";
import {
  HTTP_URL_SCHEMES,
  parseRelayBotIds,
  RELAY_KEYS,
  relaySettings,
  resolveRelayLink,
  type RelayLinkSettings,
} from "./relay.js";
import { createSecretScrubber } from "./scrub.js";
import { orDefault, type Settings } from "./settings.js";
import type { Env, SettingsSource, Sourced } from "./source.js";
import { describeMisspelledYamlKey, misspelledYamlKeys } from "./yaml-keys.js";

export { DEFAULT_IMESSAGE_ADDRESS, resolvePhotonConfig } from "./gateway-photon.js";
export type { PhotonConfig } from "./gateway-photon.js";
export { resolvePolicies } from "./gateway-policy.js";
export type { RelayPolicy } from "./gateway-policy.js";

/** Platforms where a turn reacts on the user's message unless GATEWAY_REACTIONS says otherwise. */
export const DEFAULT_REACTION_PLATFORMS: readonly string[] = ["discord", "slack"];

export type AgentSpec =
  | { readonly kind: "echo" }
  | { readonly kind: "exec"; readonly command: string }
  | { readonly kind: "http"; readonly url: string };

/** The relay link (`relayUrl`, `relayEnabled`, `relayId`, `relaySecret`, `relayDeliveryKey`, `relayWakeUrl`, `relayPlatforms`) as the CLI resolves it, plus the gateway's own settings. */
export interface GatewaySettings extends RelayLinkSettings {
  readonly relayBotIds: Sourced<Readonly<Record<string, { botId?: string }>>>;
  /** Boot self-provision (docs/contract/relay-routing.md): the caller identity bearer; provisioning runs only with it and no pinned secret. */
  readonly relayIdentityToken: Sourced<string | null>;
  /** Boot self-provision: this gateway's public inbound URL (absent: outbound-only). */
  readonly relayEndpoint: Sourced<string | null>;
  readonly relayRouteKeys: Sourced<readonly string[]>;
  readonly relayInstanceId: Sourced<string | null>;
  /** Slash commands the agent serves, declared on the Discord hello (`command_manifest`). */
  readonly commands: Sourced<readonly GatewayCommand[]>;
  /** What `POST /relay/policy` declares at boot, per platform (all-default platforms omitted, except Discord). */
  readonly relayPolicies: readonly RelayPolicy[];
  readonly inboundHost: Sourced<string>;
  readonly inboundPort: Sourced<number | null>;
  readonly agent: Sourced<AgentSpec>;
  readonly agentTimeoutMs: Sourced<number>;
  /** How the agent answers: one plain-text reply, or ndjson events (protocol v2). */
  readonly agentOutput: Sourced<"text" | "ndjson">;
  /** Platforms where a turn reacts on the user's message (👀, then ✅/❌). */
  readonly reactionPlatforms: Sourced<readonly string[]>;
  /** Time between two `typing` ops while a turn runs; 0 = none. */
  readonly typingIntervalMs: Sourced<number>;
  /** Minimum time between two edits of a streamed message. */
  readonly streamEditIntervalMs: Sourced<number>;
  /** Bounds of the inbound media cache under HERMES_HOME. */
  readonly mediaCacheMaxBytes: Sourced<number>;
  readonly mediaCacheMaxAgeMs: Sourced<number>;
  /** Variable names an `exec:` agent gets although they look secret (never the gateway's own secrets). */
  readonly agentPassEnv: Sourced<readonly string[]>;
  readonly healthHost: Sourced<string>;
  readonly healthPort: Sourced<number | null>;
  readonly drainTimeoutMs: Sourced<number>;
  readonly logLevel: Sourced<string>;
  /** `json` or `pretty`; null = by stdout (pretty for a TTY). */
  readonly logFormat: Sourced<"json" | "pretty" | null>;
  /** Bounds on queued turns: all sessions together, and one session. */
  readonly queueMaxTurns: Sourced<number>;
  readonly queueMaxPerSession: Sourced<number>;
  /** `<PLATFORM>_ALLOWED_USERS`, keyed by lower-case platform name. */
  readonly allowedUsers: ReadonlyMap<string, ReadonlySet<string>>;
  /** Values that must never be printed (secrets found anywhere in the configuration, shadowed ones too). */
  readonly secretValues: readonly string[];
  readonly warnings: readonly string[];
  /** The iMessage channel (`PHOTON_*`, `platforms.photon.*`). */
  readonly photon: PhotonConfig;
}

export interface ResolveGatewayOptions {
  /** This machine's host name (the default gateway id is `gw-<hostname>`). */
  readonly hostname: string;
  /** The real environment, for the settings read from it alone (SPECTRUM_IMESSAGE_ADDRESS). */
  readonly env: Env;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const LOG_FORMATS = ["json", "pretty"] as const;

/** `gateway.<key>` in config.yaml alongside the env var. */
const key = (env: string, yaml?: string) =>
  yaml === undefined ? { env } : { env, yaml: `gateway.${yaml}` };

/**
 * Everything `hermes-gateway run` needs besides HERMES_HOME. Throws a SettingsError naming the
 * key and source of the first unusable value (config.yaml's own problem first), its text passed
 * through the scrubber of every secret the source holds (give the source `GATEWAY_SECRET_KEYS`).
 */
export function resolveGatewaySettings(
  source: SettingsSource,
  opts: ResolveGatewayOptions,
): GatewaySettings {
  try {
    return resolveFrom(source, opts);
  } catch (e) {
    throw e instanceof SettingsError ? e.scrubbed(createSecretScrubber(source.secretValues())) : e;
  }
}

/** Each step reads its own keys; the order is the order in which a bad value is reported. */
function resolveFrom(source: SettingsSource, opts: ResolveGatewayOptions): GatewaySettings {
  const warnings: string[] = [];
  if (source.yamlError) throw source.yamlError;
  const settings = relaySettings(source);
  const link = resolveRelayLink(settings, { hostname: opts.hostname });
  const relayBotIds = relayBotIdsOf(settings, warnings);
  const agent = agentOf(settings);
  const allowedUsers = allowedUsersOf(source, settings);
  const resolved: GatewaySettings = {
    ...link,
    relayBotIds,
    relayPolicies: resolvePolicies(link.relayPlatforms.value, source),
    ...selfProvisionSettings(source, settings),
    ...inboundReceiverSettings(settings),
    agent,
    ...activitySettings(settings),
    ...agentProcessSettings(settings),
    ...healthSettings(settings),
    ...drainAndLogSettings(settings),
    ...queueBounds(settings),
    allowedUsers,
    secretValues: source.secretValues(),
    warnings,
    photon: resolvePhotonConfig(settings, opts.env),
  };
  if (
    resolved.inboundPort.value !== null &&
    resolved.relayDeliveryKey.value === null &&
    resolved.relayIdentityToken.value === null
  )
    warnings.push(
      `${resolved.inboundPort.key} (from ${resolved.inboundPort.source}) is set but no delivery key is: the signed-HTTP receiver needs GATEWAY_RELAY_DELIVERY_KEY (or one issued by self-provisioning) and will not listen`,
    );
  // Last: every setting has been read once, so the source knows each name config.yaml may hold.
  for (const suspect of misspelledYamlKeys(source))
    warnings.push(describeMisspelledYamlKey(suspect));
  return resolved;
}

/** The relay bot ids as `{platform: {botId}}`; a malformed value is a warning and `{}`. */
function relayBotIdsOf(
  settings: Settings,
  warnings: string[],
): Sourced<Record<string, { botId?: string }>> {
  const raw = settings.raw(RELAY_KEYS.botIds);
  if (!raw) return orDefault(null, {});
  const parsed = parseRelayBotIds(raw.value);
  if (parsed !== null) return { ...raw, value: parsed };
  warnings.push(
    `${raw.key} (from ${raw.source}) is not a JSON object like {"discord":{"botId":"..."}}; using {}`,
  );
  return orDefault(null, {});
}

/** GATEWAY_AGENT / gateway.agent; the echo agent when unset. */
function agentOf(settings: Settings): Sourced<AgentSpec> {
  const raw = settings.string(key("GATEWAY_AGENT", "agent"));
  return orDefault<AgentSpec>(raw && { ...raw, value: parseAgent(raw, settings) }, {
    kind: "echo",
  });
}

/** Every `<PLATFORM>_ALLOWED_USERS` in the environment, keyed by lower-case platform name. */
function allowedUsersOf(source: SettingsSource, settings: Settings): Map<string, Set<string>> {
  const allowedUsers = new Map<string, Set<string>>();
  for (const name of source.envNames()) {
    const m = /^([A-Z0-9]+)_ALLOWED_USERS$/.exec(name);
    const users = m ? settings.list({ env: name }) : null;
    if (m && users) allowedUsers.set((m[1] as string).toLowerCase(), new Set(users.value));
  }
  return allowedUsers;
}

/** What boot self-provisioning sends, and the Discord command manifest. */
function selfProvisionSettings(source: SettingsSource, settings: Settings) {
  return {
    relayIdentityToken: orDefault(settings.secret(RELAY_KEYS.identityToken), null),
    relayEndpoint: orDefault(settings.url(RELAY_KEYS.endpoint, HTTP_URL_SCHEMES), null),
    relayRouteKeys: orDefault<readonly string[]>(settings.list(RELAY_KEYS.routeKeys), []),
    relayInstanceId: orDefault(settings.string(RELAY_KEYS.instanceId), null),
    commands: resolveCommands(source, settings),
  };
}

/** Where the legacy signed-HTTP receiver listens (off unless a port is set). */
function inboundReceiverSettings(settings: Settings) {
  return {
    inboundHost: orDefault(
      settings.host(key("GATEWAY_RELAY_INBOUND_HOST", "relay_inbound_host")),
      "127.0.0.1",
    ),
    inboundPort: orDefault(
      settings.int(key("GATEWAY_RELAY_INBOUND_PORT", "relay_inbound_port"), { min: 1, max: 65535 }),
      null,
    ),
  };
}

/** What an agent process may see and how long a turn may take. */
function agentProcessSettings(settings: Settings) {
  return {
    agentPassEnv: agentPassEnvOf(settings.list(key("GATEWAY_AGENT_PASS_ENV", "agent_pass_env"))),
    agentTimeoutMs: orDefault(
      settings.int(key("GATEWAY_AGENT_TIMEOUT_MS", "agent_timeout_ms"), {
        min: 1,
        max: 86_400_000,
      }),
      120_000,
    ),
  };
}

/** Where /healthz, /readyz and /metrics listen (off unless a port is set). */
function healthSettings(settings: Settings) {
  return {
    healthHost: orDefault(settings.host(key("GATEWAY_HEALTH_HOST", "health_host")), "127.0.0.1"),
    healthPort: orDefault(
      settings.int(key("GATEWAY_HEALTH_PORT", "health_port"), { min: 0, max: 65535 }),
      null,
    ),
  };
}

function drainAndLogSettings(settings: Settings) {
  return {
    drainTimeoutMs: orDefault(
      settings.int(key("GATEWAY_DRAIN_TIMEOUT_MS", "drain_timeout_ms"), { min: 0, max: 3_600_000 }),
      30_000,
    ),
    logLevel: orDefault<string>(
      settings.oneOf(key("GATEWAY_LOG_LEVEL", "log_level"), LOG_LEVELS),
      "info",
    ),
    // Unset: pretty when stdout is a terminal, else json.
    logFormat: orDefault<"json" | "pretty", null>(
      settings.oneOf(key("GATEWAY_LOG_FORMAT", "log_format"), LOG_FORMATS),
      null,
    ),
  };
}

/** Bounds on queued turns: all sessions together, and one session. */
function queueBounds(settings: Settings) {
  return {
    queueMaxTurns: orDefault(
      settings.int(key("GATEWAY_MAX_QUEUED_TURNS", "max_queued_turns"), { min: 1, max: 1_000_000 }),
      10_000,
    ),
    queueMaxPerSession: orDefault(
      settings.int(key("GATEWAY_MAX_QUEUED_PER_SESSION", "max_queued_per_session"), {
        min: 1,
        max: 100_000,
      }),
      100,
    ),
  };
}

/**
 * `GATEWAY_COMMANDS` (comma list) or `gateway.commands` (YAML list): each entry `name` or
 * `name:description`, or in YAML `{name, description?, args?}` (`args`: the hint of one optional
 * free-text option). Names Discord refuses are reported when the manifest is built.
 */
function resolveCommands(
  source: SettingsSource,
  settings: Settings,
): Sourced<readonly GatewayCommand[]> {
  const envList = settings.list({ env: "GATEWAY_COMMANDS" });
  if (envList) return { ...envList, value: envList.value.map(commandOf) };
  const raw = source.yaml("gateway.commands");
  if (raw === null) return { value: [], source: "default", key: "" };
  if (!Array.isArray(raw.value))
    throw new SettingsError(
      "SETTINGS_INVALID_VALUE",
      raw.key,
      raw.source,
      "expected a list of commands",
    );
  const out: GatewayCommand[] = [];
  for (const entry of raw.value as unknown[]) {
    if (typeof entry === "string") out.push(commandOf(entry));
    else if (
      typeof entry === "object" &&
      entry !== null &&
      typeof (entry as { name?: unknown }).name === "string"
    ) {
      const e = entry as { name: string; description?: unknown; args?: unknown };
      const c: GatewayCommand = { name: e.name };
      if (typeof e.description === "string") c.description = e.description;
      if (typeof e.args === "string") c.argsHint = e.args;
      out.push(c);
    } else
      throw new SettingsError(
        "SETTINGS_INVALID_VALUE",
        raw.key,
        raw.source,
        'each command is a name, "name:description" or {name, description?, args?}',
      );
  }
  return { value: out, source: raw.source, key: raw.key };
}

function commandOf(entry: string): GatewayCommand {
  const i = entry.indexOf(":");
  return i === -1
    ? { name: entry.trim() }
    : { name: entry.slice(0, i).trim(), description: entry.slice(i + 1).trim() };
}

/** Agent protocol v2, activity and media settings (docs: README "Replies, media and activity"). */
function activitySettings(settings: Settings) {
  const reactions = settings.list(key("GATEWAY_REACTIONS", "reactions"));
  const platforms = reactions && {
    ...reactions,
    value: reactions.value.map((p) => p.toLowerCase()).filter((p) => p !== "none"),
  };
  return {
    agentOutput: orDefault<"text" | "ndjson">(
      settings.oneOf(key("GATEWAY_AGENT_OUTPUT", "agent_output"), ["text", "ndjson"] as const),
      "text",
    ),
    reactionPlatforms: orDefault<readonly string[]>(platforms, DEFAULT_REACTION_PLATFORMS),
    typingIntervalMs: orDefault(
      settings.int(key("GATEWAY_TYPING_INTERVAL_MS", "typing_interval_ms"), {
        min: 0,
        max: 60_000,
      }),
      4000,
    ),
    streamEditIntervalMs: orDefault(
      settings.int(key("GATEWAY_STREAM_EDIT_INTERVAL_MS", "stream_edit_interval_ms"), {
        min: 1000,
        max: 60_000,
      }),
      1000,
    ),
    mediaCacheMaxBytes: orDefault(
      settings.int(key("GATEWAY_MEDIA_CACHE_MAX_BYTES", "media_cache_max_bytes"), {
        min: 0,
        max: Number.MAX_SAFE_INTEGER,
      }),
      DEFAULT_MEDIA_CACHE_MAX_BYTES,
    ),
    mediaCacheMaxAgeMs: orDefault(
      settings.int(key("GATEWAY_MEDIA_CACHE_MAX_AGE_MS", "media_cache_max_age_ms"), {
        min: 0,
        max: Number.MAX_SAFE_INTEGER,
      }),
      DEFAULT_MEDIA_CACHE_MAX_AGE_MS,
    ),
  };
}

function parseAgent(s: Sourced<string>, settings: Settings): AgentSpec {
  const v = s.value;
  if (v === "echo") return { kind: "echo" };
  if (v.startsWith("exec:")) {
    const command = v.slice(5).trim();
    if (command === "")
      throw new SettingsError(
        "SETTINGS_INVALID_VALUE",
        s.key,
        s.source,
        "exec: needs a command, e.g. exec:./my-agent.sh",
      );
    return { kind: "exec", command };
  }
  // An http agent gets every message: the same URL policy as the relay (no userinfo, no plain
  // http off loopback unless GATEWAY_ALLOW_INSECURE_URLS).
  if (/^https?:\/\//i.test(v))
    return {
      kind: "http",
      url: parseUrl(s, { schemes: HTTP_URL_SCHEMES, ...settings.insecureUrls }).value,
    };
  throw new SettingsError(
    "SETTINGS_INVALID_VALUE",
    s.key,
    s.source,
    'expected "echo", "exec:<command>" or an http(s) URL',
  );
}

function agentPassEnvOf(raw: Sourced<string[]> | null): Sourced<readonly string[]> {
  if (!raw) return { value: [], source: "default", key: "" };
  const bad = raw.value.find((n) => !/^[A-Z_]\w*$/i.test(n));
  if (bad !== undefined) {
    throw new SettingsError(
      "SETTINGS_INVALID_VALUE",
      raw.key,
      raw.source,
      `expected a comma list of environment variable names, got ${JSON.stringify(bad)}`,
    );
  }
  return raw;
}
