// Every key whose value is a secret, for a source's `secretKeys` (scrubbed from errors, never
// printed). One list for `hermes-gateway run` and `hermes doctor`, which resolve the same settings.
import type { SettingKey } from "./source.js";
import { RELAY_SECRET_KEYS } from "./relay.js";

/** Photon secrets (the project secret may also sit in auth.json, read when the channel starts). */
export const PHOTON_SECRET_KEYS: readonly SettingKey[] = [
  { env: "PHOTON_PROJECT_SECRET" },
  { env: "PHOTON_WEBHOOK_SECRET" },
];

/** The secrets among the gateway's settings: the relay's and Photon's. */
export const GATEWAY_SECRET_KEYS: readonly SettingKey[] = [
  ...RELAY_SECRET_KEYS,
  ...PHOTON_SECRET_KEYS,
];
