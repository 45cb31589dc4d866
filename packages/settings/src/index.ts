/**
 * @hermes/settings: one settings resolver for the Hermes apps. env → `$HERMES_HOME/.env` →
 * config.yaml → default, every value with its source and key; typed parsers whose errors name
 * both; one URL policy (no userinfo, no plain ws/http off loopback unless allowed) and one
 * secret policy (`isUsableSecret`, never echoed, scrubbed from errors). Reads neither
 * process.env nor the disk by itself: pass the environment and a readFile in.
 */
export { SettingsError } from "./errors.js";
export type { SettingSource, SettingsErrorCode } from "./errors.js";
export { SettingsSource, readSettingsSource } from "./source.js";
export type {
  Env,
  FlagLayer,
  ReadSettingsOptions,
  SettingKey,
  SettingsLayers,
  Sourced,
} from "./source.js";
export {
  BOOLEAN_WORDS,
  parseBoolean,
  parseEnum,
  parseHost,
  parseInteger,
  parseList,
  parseSecret,
  parseString,
  parseUrl,
  splitList,
} from "./parse.js";
export type { BooleanWords, IntRange } from "./parse.js";
export { Settings, collecting, orDefault } from "./settings.js";
export type { InsecureUrlAllowance } from "./settings.js";
export {
  checkUrl,
  displayUrl,
  isLoopbackHost,
  listenHost,
  stripTrailingSlashes,
} from "./url-policy.js";
export type { UrlCheck, UrlPolicy } from "./url-policy.js";
export { createSecretScrubber, MIN_SECRET_LENGTH } from "./scrub.js";
export {
  HTTP_URL_SCHEMES,
  RELAY_KEYS,
  RELAY_SECRET_KEYS,
  RELAY_URL_SCHEMES,
  RELAY_PLATFORMS_HINT,
  defaultGatewayId,
  parseRelayBotIds,
  relaySettings,
  resolveRelayLink,
} from "./relay.js";
export type { RelayLinkSettings, ResolveRelayLinkOptions } from "./relay.js";
export { describeMisspelledYamlKey, misspelledYamlKeys } from "./yaml-keys.js";
export type { MisspelledYamlKey } from "./yaml-keys.js";
export { GATEWAY_SECRET_KEYS, PHOTON_SECRET_KEYS } from "./secret-keys.js";
