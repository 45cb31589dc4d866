// The environment an `exec:` agent gets: the gateway's own environment minus everything that
// looks like a secret. A denylist (not an allowlist) because agents legitimately need PATH,
// HOME, LANG, proxies, their own settings…; what they must not see is the gateway's relay
// credentials or anything else the operator keeps secret. Removed:
//  1. the gateway's own secrets by name (GATEWAY_RELAY_SECRET, GATEWAY_RELAY_DELIVERY_KEY,
//     GATEWAY_RELAY_ENROLL_TOKEN), always;
//  2. any variable whose VALUE is one of the gateway's secret values, whatever its name;
//  3. names matching SECRET_NAME_PATTERNS (`*SECRET*`, `*TOKEN*`, `*PASSWORD*`, `*PASSWD*`,
//     `*CREDENTIAL*`, `*_KEY`, `*_KEY_*`, `*PRIVATE_KEY*`), case-insensitively, unless
//     the operator names them in GATEWAY_AGENT_PASS_ENV (e.g. an LLM agent's OPENAI_API_KEY).
// (1) and (2) are never passed, even when listed.

import { RELAY_SECRET_KEYS } from "@hermes/settings";
/** Names the gateway itself holds as secrets. */
export const GATEWAY_SECRET_NAMES: readonly string[] = RELAY_SECRET_KEYS.flatMap((k) =>
  k.env === undefined ? [] : [k.env],
);

/** Name patterns treated as secret (matched against the upper-cased name). */
export const SECRET_NAME_PATTERNS: readonly RegExp[] = [
  /SECRET/,
  /TOKEN/,
  /PASSWORD/,
  /PASSWD/,
  /CREDENTIAL/,
  /PRIVATE_KEY/,
  /_KEY$/,
  /_KEY_/,
  /^KEY$/,
];

export interface AgentEnvOptions {
  /** Exact secret values (config.secretValues): a variable holding one is never passed. */
  readonly secretValues: readonly string[];
  /** Names passed despite matching a pattern (GATEWAY_AGENT_PASS_ENV). */
  readonly passThrough?: readonly string[];
}

export function agentEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  opts: AgentEnvOptions,
): Record<string, string> {
  const secretValues = new Set(opts.secretValues.filter((v) => v !== ""));
  const gatewayOwn = new Set(GATEWAY_SECRET_NAMES);
  const passThrough = new Set(opts.passThrough ?? []);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (gatewayOwn.has(name) || secretValues.has(value)) continue;
    const upper = name.toUpperCase();
    if (!passThrough.has(name) && SECRET_NAME_PATTERNS.some((p) => p.test(upper))) continue;
    out[name] = value;
  }
  return out;
}
