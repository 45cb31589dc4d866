// The one place where the gateway's configuration is resolved (docs/contract/relay.md#gateway-configuration):
// the layers of this HERMES_HOME read here, every value resolved by @hermes/settings/gateway —
// the same code `hermes doctor` checks a machine with, so the two cannot disagree.
// Order, key by key: the real environment, then `$HERMES_HOME/.env` (never overriding the
// real environment), then config.yaml, then defaults; values trimmed in every layer. Every
// value remembers where it came from so an error can name both the key and its source.
import { homedir, hostname as osHostname } from "node:os";
import { resolveHermesHome } from "@hermes/credential-store";
import { GATEWAY_SECRET_KEYS, readSettingsSource, type FlagLayer } from "@hermes/settings";
import { resolveGatewaySettings, type GatewaySettings } from "@hermes/settings/gateway";

export type { Sourced } from "@hermes/settings";
export type { AgentSpec } from "@hermes/settings/gateway";

/** The gateway's settings and the HERMES_HOME they were read from. */
export interface GatewayConfig extends GatewaySettings {
  readonly home: string;
}

export interface ResolveOptions {
  /** Command-line flags over every other layer, keyed by the env var each stands for. */
  readonly flags?: FlagLayer;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file as UTF-8; returns null when it does not exist. */
  readonly readFile: (path: string) => string | null;
  readonly hostname?: () => string;
  readonly homedir?: () => string;
}

/** HERMES_HOME, else ~/.hermes redirected by a sticky `active_profile` (via @hermes/credential-store). */
export function resolveHome(env: ResolveOptions["env"], home: () => string = homedir): string {
  return resolveHermesHome({ env, homedir: home() }).home;
}

/**
 * Throws a SettingsError (re-exported as ConfigError) naming the key and source of the first bad
 * value, its text passed through the same secret scrubber as the logs.
 */
export function resolveConfig(opts: ResolveOptions): GatewayConfig {
  const home = resolveHome(opts.env, opts.homedir);
  const source = readSettingsSource({
    ...(opts.flags !== undefined ? { flags: opts.flags } : {}),
    env: opts.env,
    home,
    readFile: opts.readFile,
    secretKeys: GATEWAY_SECRET_KEYS,
  });
  return {
    home,
    ...resolveGatewaySettings(source, {
      hostname: (opts.hostname ?? osHostname)(),
      env: opts.env,
    }),
  };
}
