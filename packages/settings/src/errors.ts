// Every setting that cannot be used is a SettingsError naming the key and where it came from.
// Messages never carry a secret value: secret parsers never quote the value, URL errors name
// only the scheme and host, and config.yaml syntax errors never quote the file (see source.ts).

/** Where a value came from. `flag` is for apps that layer a command-line flag on top. */
export type SettingSource = "flag" | "env" | ".env" | "config.yaml" | "default";

export type SettingsErrorCode =
  /** The value does not parse as what the key expects (type, range, choice). */
  | "SETTINGS_INVALID_VALUE"
  /** A URL carries `user:pass@`: refused everywhere (use the dedicated secret settings). */
  | "SETTINGS_URL_USERINFO"
  /** Plain ws:// or http:// to a host that is not loopback, without the explicit allowance. */
  | "SETTINGS_URL_INSECURE"
  /** A secret that `isUsableSecret` refuses, or that is not a string. */
  | "SETTINGS_SECRET_UNUSABLE"
  /** config.yaml is not valid YAML or not a mapping. */
  | "SETTINGS_YAML_INVALID"
  /** `.env` or config.yaml exists but cannot be read. */
  | "SETTINGS_FILE_UNREADABLE";

export class SettingsError extends Error {
  constructor(
    readonly code: SettingsErrorCode,
    /** The env var, `section.key` in config.yaml, or the file name. */
    readonly key: string,
    /** The layer (`env`, `.env`, `config.yaml`, …) or, for a file-level error, its path. */
    readonly source: SettingSource | string,
    /** What is wrong and what to do, without the value when it may be secret. */
    readonly detail: string,
  ) {
    super(`Invalid configuration: ${key} (from ${source}): ${detail}`);
    this.name = "SettingsError";
  }

  /** The same error with `scrub` (see createSecretScrubber) applied to every part of its text. */
  scrubbed(scrub: (text: string) => string): SettingsError {
    return new SettingsError(this.code, scrub(this.key), scrub(this.source), scrub(this.detail));
  }
}
