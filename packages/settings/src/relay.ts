// The relay-link settings both apps read (docs/contract/relay.md#gateway-configuration): one table of keys and one
// resolution, so `hermes gateway status` shows exactly what `hermes-gateway run` will use.
import { SettingsError } from "./errors.js";
import { parseBoolean } from "./parse.js";
import { collecting, orDefault, Settings } from "./settings.js";
import { asRecord, type SettingKey, type SettingsSource, type Sourced } from "./source.js";
import { stripTrailingSlashes } from "./url-policy.js";

export const RELAY_KEYS = {
  url: { env: "GATEWAY_RELAY_URL", yaml: "gateway.relay_url" },
  id: { env: "GATEWAY_RELAY_ID", yaml: "gateway.relay_id" },
  secret: { env: "GATEWAY_RELAY_SECRET", yaml: "gateway.relay_secret" },
  deliveryKey: { env: "GATEWAY_RELAY_DELIVERY_KEY", yaml: "gateway.relay_delivery_key" },
  wakeUrl: { env: "GATEWAY_RELAY_WAKE_URL", yaml: "gateway.relay_wake_url" },
  enrollToken: { env: "GATEWAY_RELAY_ENROLL_TOKEN" },
  /** The platforms the relay fronts (one `hello` each): a comma list, or a YAML list. */
  platforms: { env: "GATEWAY_RELAY_PLATFORMS", yaml: "gateway.relay_platforms" },
  /** `{"discord":{"botId":"…"}}` as JSON text, or a YAML mapping. */
  botIds: { env: "GATEWAY_RELAY_BOT_IDS", yaml: "gateway.relay_bot_ids" },
  /** Boot self-provision (docs/contract/relay-routing.md): the caller identity bearer the connector verifies. */
  identityToken: { env: "GATEWAY_RELAY_IDENTITY_TOKEN" },
  /** Boot self-provision: this gateway's own public inbound URL (absent: outbound-only). */
  endpoint: { env: "GATEWAY_RELAY_ENDPOINT", yaml: "gateway.relay_endpoint" },
  /** Boot self-provision: the discriminators (scope / chat ids) this gateway's tenant owns. */
  routeKeys: { env: "GATEWAY_RELAY_ROUTE_KEYS", yaml: "gateway.relay_route_keys" },
  /** Boot self-provision: the stable per-instance id the connector binds this gateway to. */
  instanceId: { env: "GATEWAY_RELAY_INSTANCE_ID", yaml: "gateway.relay_instance_id" },
  /** `platforms.relay.enabled: false` turns the relay off whatever else is set. */
  enabled: { yaml: "platforms.relay.enabled" },
  /** Plain ws:// / http:// URLs to non-loopback hosts are refused unless this is true. */
  allowInsecureUrls: { env: "GATEWAY_ALLOW_INSECURE_URLS", yaml: "gateway.allow_insecure_urls" },
} as const satisfies Record<string, SettingKey>;

/** The relay's secret keys (scrubbed from every error and log line). */
export const RELAY_SECRET_KEYS: readonly SettingKey[] = [
  RELAY_KEYS.secret,
  RELAY_KEYS.deliveryKey,
  RELAY_KEYS.enrollToken,
  RELAY_KEYS.identityToken,
];

export const RELAY_URL_SCHEMES = ["wss:", "ws:", "https:", "http:"] as const;
export const HTTP_URL_SCHEMES = ["https:", "http:"] as const;

/**
 * A Settings reader whose URL checks honour GATEWAY_ALLOW_INSECURE_URLS (or
 * `gateway.allow_insecure_urls`). `alsoAllowed` is for an app flag such as
 * `--allow-insecure-http` that grants the same allowance for one command.
 */
export function relaySettings(source: SettingsSource, alsoAllowed = false): Settings {
  const raw = source.get(RELAY_KEYS.allowInsecureUrls);
  const allowed = raw !== null && parseBoolean(raw).value;
  return new Settings(source, {
    allowInsecure: allowed || alsoAllowed,
    insecureOverride: `set ${RELAY_KEYS.allowInsecureUrls.env}=1`,
  });
}

/** The default gateway instance id: `gw-<hostname>`, `gw-hermes` when there is none. */
export function defaultGatewayId(hostname: string): string {
  return `gw-${hostname.trim() || "hermes"}`;
}

export interface RelayLinkSettings {
  /** ws(s)/http(s) URL, trailing `/` removed; null when unset. */
  readonly relayUrl: Sourced<string | null>;
  /** True when a relay URL is set and config.yaml does not say `platforms.relay.enabled: false`. */
  readonly relayEnabled: Sourced<boolean>;
  readonly relayId: Sourced<string>;
  readonly relaySecret: Sourced<string | null>;
  readonly relayDeliveryKey: Sourced<string | null>;
  readonly relayWakeUrl: Sourced<string | null>;
  /** Lower-case platform names; at least one when the relay is enabled (else an error). */
  readonly relayPlatforms: Sourced<readonly string[]>;
}

export interface ResolveRelayLinkOptions {
  readonly hostname: string;
  /**
   * Without it the first invalid value throws (a daemon refuses to start). With it each
   * invalid value is reported here and resolved as unset, so a status command can show the rest.
   */
  readonly onError?: (e: SettingsError) => void;
}

export function resolveRelayLink(
  settings: Settings,
  opts: ResolveRelayLinkOptions,
): RelayLinkSettings {
  const get = <T>(read: () => Sourced<T> | null): Sourced<T> | null =>
    collecting(read, opts.onError) ?? null;
  const url = get(() => settings.url(RELAY_KEYS.url, RELAY_URL_SCHEMES, true));
  const relayUrl = orDefault(url && { ...url, value: stripTrailingSlashes(url.value) }, null);

  const enabledRaw = settings.source.yaml(RELAY_KEYS.enabled.yaml);
  const enabledOff = get(() => {
    if (enabledRaw === null) return null;
    if (typeof enabledRaw.value !== "boolean") {
      throw new SettingsError(
        "SETTINGS_INVALID_VALUE",
        enabledRaw.key,
        enabledRaw.source,
        "expected true or false",
      );
    }
    return enabledRaw.value ? null : { ...enabledRaw, value: false };
  });
  const relayEnabled: Sourced<boolean> = enabledOff ?? {
    value: relayUrl.value !== null,
    source: relayUrl.source,
    key: relayUrl.key,
  };

  return {
    relayUrl,
    relayEnabled,
    relayId: orDefault(
      get(() => settings.string(RELAY_KEYS.id)),
      defaultGatewayId(opts.hostname),
    ),
    relaySecret: orDefault(
      get(() => settings.secret(RELAY_KEYS.secret)),
      null,
    ),
    relayDeliveryKey: orDefault(
      get(() => settings.secret(RELAY_KEYS.deliveryKey)),
      null,
    ),
    relayWakeUrl: orDefault(
      get(() => settings.url(RELAY_KEYS.wakeUrl, HTTP_URL_SCHEMES)),
      null,
    ),
    relayPlatforms: resolvePlatforms(settings, relayEnabled.value, get),
  };
}

/** The example every "no platform" message gives. */
export const RELAY_PLATFORMS_HINT =
  "e.g. GATEWAY_RELAY_PLATFORMS=discord, or gateway.relay_platforms: [discord] in config.yaml";

/** A platform as the connector names it ("discord", "telegram", "google_chat", …). */
const PLATFORM_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

function resolvePlatforms(
  settings: Settings,
  enabled: boolean,
  get: <T>(read: () => Sourced<T> | null) => Sourced<T> | null,
): Sourced<readonly string[]> {
  const raw = get(() => settings.list(RELAY_KEYS.platforms));
  // One hello per platform: a name given twice (in any case) is one platform.
  const platforms = orDefault<readonly string[]>(
    raw && { ...raw, value: [...new Set(raw.value.map((p) => p.toLowerCase()))] },
    [],
  );
  const bad = platforms.value.find((p) => !PLATFORM_NAME.test(p));
  if (bad !== undefined)
    get(() => {
      throw new SettingsError(
        "SETTINGS_INVALID_VALUE",
        RELAY_KEYS.platforms.env,
        platforms.source,
        `${JSON.stringify(bad)} is not a platform name (letters, digits, "_" or "-", starting with a letter), ${RELAY_PLATFORMS_HINT}`,
      );
    });
  if (enabled && platforms.value.length === 0) {
    // A relay with no platform sends no hello: the gateway could never serve anything.
    get(() => {
      throw new SettingsError(
        "SETTINGS_INVALID_VALUE",
        RELAY_KEYS.platforms.env,
        platforms.source,
        `the relay needs at least one platform to front (one hello each), ${RELAY_PLATFORMS_HINT}`,
      );
    });
  }
  return platforms;
}

/**
 * `GATEWAY_RELAY_BOT_IDS` / `gateway.relay_bot_ids`: JSON text or a YAML mapping of
 * platform → `{botId}`, keys lower-cased; null when it is neither (callers warn and use {}).
 */
export function parseRelayBotIds(value: unknown): Record<string, { botId?: string }> | null {
  let v: unknown = value;
  if (typeof value === "string") {
    try {
      v = JSON.parse(value);
    } catch {
      return null;
    }
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
