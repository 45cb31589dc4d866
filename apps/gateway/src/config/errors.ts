// The gateway's configuration errors are @hermes/settings' SettingsError: one class, one
// message format ("KEY (from SOURCE): …") and stable codes shared with the `hermes` CLI.
export { SettingsError as ConfigError } from "@hermes/settings";
export type { SettingSource as ConfigSource } from "@hermes/settings";
