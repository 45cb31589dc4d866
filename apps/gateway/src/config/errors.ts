export type ConfigSource = "env" | ".env" | "config.yaml" | "default";

/** A configuration value that cannot be used. Names the key and where it came from. */
export class ConfigError extends Error {
  readonly code = "GATEWAY_CONFIG_INVALID";
  constructor(
    readonly key: string,
    readonly source: ConfigSource | string,
    detail: string,
  ) {
    super(`Invalid configuration: ${key} (from ${source}): ${detail}`);
    this.name = "ConfigError";
  }
}
