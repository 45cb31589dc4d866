// The relay policy a gateway declares to its connector at boot (spec §7, POST /relay/policy):
// a projection, per fronted platform, of the local reply rules the connector must enforce at
// its edge: `require_mention` → requireAddress, `free_response_channels` →
// freeResponseScopes, `<PLATFORM>_ALLOW_BOTS` → allowOtherBots.
import { ConfigError, type ConfigSource } from "./errors.js";

export interface RelayPolicy {
  readonly platform: string;
  readonly requireAddress: boolean;
  readonly freeResponseScopes: readonly string[];
  readonly allowOtherBots: boolean;
}

type Lookup = (name: string) => { value: string; source: ConfigSource; key: string } | null;

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);
/** `<PLATFORM>_ALLOW_BOTS` also takes upstream's none / mentions / all. */
const BOTS_TRUE = new Set([...TRUE, "all", "mentions"]);
const BOTS_FALSE = new Set([...FALSE, "none"]);

function bool(raw: { value: string; source: ConfigSource | string; key: string }, truthy: Set<string>, falsy: Set<string>): boolean {
  const v = raw.value.trim().toLowerCase();
  if (truthy.has(v)) return true;
  if (falsy.has(v)) return false;
  throw new ConfigError(raw.key, raw.source, `expected one of ${[...truthy, ...falsy].join(", ")}, got ${JSON.stringify(raw.value)}`);
}

function list(value: unknown, key: string): string[] {
  if (typeof value === "string") return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (Array.isArray(value) && value.every((v) => typeof v === "string" || typeof v === "number")) return value.map(String).filter((s) => s !== "");
  throw new ConfigError(key, "config.yaml", "expected a list of channel ids or a comma-separated string");
}

/** Platforms whose default policy is still declared (Discord always declares). */
const ALWAYS_DECLARE = new Set(["discord"]);
/** Upstream default: Discord replies only when addressed. */
const REQUIRE_ADDRESS_DEFAULT = new Set(["discord"]);

/**
 * Resolve the policy of each platform. Env (`<PLATFORM>_REQUIRE_MENTION`,
 * `<PLATFORM>_FREE_RESPONSE_CHANNELS`, `<PLATFORM>_ALLOW_BOTS`, real env before `.env`) wins
 * over `config.yaml` (`platforms.<platform>.require_mention` / `free_response_channels` /
 * `allow_bots`). A platform whose policy is all defaults is omitted (nothing is sent), except
 * Discord.
 */
export function resolvePolicies(
  platforms: readonly string[],
  lookup: Lookup,
  platformsBlock: Record<string, unknown> | null,
): RelayPolicy[] {
  const out: RelayPolicy[] = [];
  for (const platform of platforms) {
    const P = platform.toUpperCase().replace(/[^A-Z0-9]/g, "_");
    const y = platformsBlock?.[platform];
    const block = typeof y === "object" && y !== null && !Array.isArray(y) ? (y as Record<string, unknown>) : {};
    const yamlKey = (k: string) => `platforms.${platform}.${k}`;
    const yamlBool = (k: string, truthy: Set<string>, falsy: Set<string>): boolean | null => {
      const v = block[k];
      if (v === undefined || v === null) return null;
      if (typeof v === "boolean") return v;
      return bool({ value: String(v), source: "config.yaml", key: yamlKey(k) }, truthy, falsy);
    };

    const mentionEnv = lookup(`${P}_REQUIRE_MENTION`);
    const requireAddress = mentionEnv ? bool(mentionEnv, TRUE, FALSE) : (yamlBool("require_mention", TRUE, FALSE) ?? REQUIRE_ADDRESS_DEFAULT.has(platform));
    const freeEnv = lookup(`${P}_FREE_RESPONSE_CHANNELS`);
    const freeYaml = block["free_response_channels"];
    const freeResponseScopes = freeEnv ? list(freeEnv.value, freeEnv.key) : freeYaml === undefined || freeYaml === null ? [] : list(freeYaml, yamlKey("free_response_channels"));
    const botsEnv = lookup(`${P}_ALLOW_BOTS`);
    const allowOtherBots = botsEnv ? bool(botsEnv, BOTS_TRUE, BOTS_FALSE) : (yamlBool("allow_bots", BOTS_TRUE, BOTS_FALSE) ?? false);

    const isDefault = requireAddress === REQUIRE_ADDRESS_DEFAULT.has(platform) && freeResponseScopes.length === 0 && !allowOtherBots;
    if (isDefault && !ALWAYS_DECLARE.has(platform)) continue;
    out.push({ platform, requireAddress, freeResponseScopes, allowOtherBots });
  }
  return out;
}
