// The relay policy a gateway declares to its connector at boot (docs/contract/relay.md#policy):
// a projection, per fronted platform, of the local reply rules the connector must enforce at
// its edge: `require_mention` → requireAddress, `free_response_channels` →
// freeResponseScopes, `<PLATFORM>_ALLOW_BOTS` → allowOtherBots.
import { BOOLEAN_WORDS, parseBoolean, parseList, type BooleanWords } from "./parse.js";
import type { SettingsSource, Sourced } from "./source.js";

export interface RelayPolicy {
  readonly platform: string;
  readonly requireAddress: boolean;
  readonly freeResponseScopes: readonly string[];
  readonly allowOtherBots: boolean;
}

/** `<PLATFORM>_ALLOW_BOTS` also takes upstream's none / mentions / all. */
const BOTS_WORDS: BooleanWords = {
  truthy: [...BOOLEAN_WORDS.truthy, "all", "mentions"],
  falsy: [...BOOLEAN_WORDS.falsy, "none"],
};

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
  source: SettingsSource,
): RelayPolicy[] {
  const out: RelayPolicy[] = [];
  for (const platform of platforms) {
    const P = platform.toUpperCase().replace(/[^A-Z0-9]/g, "_");
    const key = (env: string, yaml: string) => ({
      env: `${P}_${env}`,
      yaml: `platforms.${platform}.${yaml}`,
    });
    const get = (env: string, yaml: string): Sourced<unknown> | null => source.get(key(env, yaml));

    const mention = get("REQUIRE_MENTION", "require_mention");
    const requireAddress = mention
      ? parseBoolean(mention).value
      : REQUIRE_ADDRESS_DEFAULT.has(platform);
    const free = get("FREE_RESPONSE_CHANNELS", "free_response_channels");
    const freeResponseScopes = free ? parseList(free).value : [];
    const bots = get("ALLOW_BOTS", "allow_bots");
    const allowOtherBots = bots ? parseBoolean(bots, BOTS_WORDS).value : false;

    const isDefault =
      requireAddress === REQUIRE_ADDRESS_DEFAULT.has(platform) &&
      freeResponseScopes.length === 0 &&
      !allowOtherBots;
    if (isDefault && !ALWAYS_DECLARE.has(platform)) continue;
    out.push({ platform, requireAddress, freeResponseScopes, allowOtherBots });
  }
  return out;
}
