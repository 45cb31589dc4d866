// The CLI's binding to @hermes/settings: the same layers, keys and URL/secret policy as
// `hermes-gateway run` (env → $HERMES_HOME/.env → config.yaml → default, values trimmed).
// `.env` is read through the store (credential-store's reader); config.yaml as text, parsed by
// @hermes/settings, whose YAML errors never quote the file.
import { describeReadFailure, readHomeFileText } from "@hermes/credential-store";
import {
  GATEWAY_SECRET_KEYS,
  relaySettings,
  SettingsError,
  SettingsSource,
  type Settings,
} from "@hermes/settings";
import type { CliContext } from "./context.js";
import { CliError, EXIT_FAILURE, EXIT_USAGE } from "./errors.js";
import type { HomeStore } from "./store.js";

/** Secrets the CLI reads besides the gateway's own (scrubbed from errors like them). */
// GATEWAY_RELAY_IDENTITY_TOKEN is one of GATEWAY_SECRET_KEYS (the gateway provisions with it too).
const CLI_SECRET_KEYS = [{ env: "GATEWAY_RELAY_IDP_CLIENT_SECRET" }];

export interface LoadedSettings {
  readonly source: SettingsSource;
  /** URL checks honour GATEWAY_ALLOW_INSECURE_URLS (and the command's own flag, when given). */
  readonly settings: Settings;
  /** config.yaml's problem as a CliError; its values are then ignored. */
  readonly configError: CliError | null;
}

/** The settings layers of this home. An unreadable (not missing) config.yaml is an error. */
export async function loadSettings(
  ctx: CliContext,
  store: HomeStore,
  opts: { allowInsecureUrls?: boolean } = {},
): Promise<LoadedSettings> {
  const dotenv = await store.readEnvFile();
  let yamlText: string | null;
  try {
    // Synchronous, like the store's readers: the thread pool an async read starts costs more
    // start-up than reading a small file (BENCH.md).
    yamlText = readHomeFileText(store.configPath);
  } catch (err) {
    throw new CliError(
      "config-unreadable",
      `Could not read ${store.configPath} (${describeReadFailure(err)}).`,
      { hints: ["Fix or move the file aside, then retry."] },
    );
  }
  const source = new SettingsSource({
    env: ctx.env,
    dotenv,
    yamlText,
    yamlPath: store.configPath,
    secretKeys: [...GATEWAY_SECRET_KEYS, ...CLI_SECRET_KEYS],
  });
  return {
    source,
    settings: settingsOrThrow(() => relaySettings(source, opts.allowInsecureUrls === true)),
    configError: source.yamlError && settingsCliError(source.yamlError),
  };
}

/** A SettingsError as the CLI reports it (the message already names the key and its source). */
export function settingsCliError(e: SettingsError): CliError {
  if (e.code === "SETTINGS_URL_INSECURE") {
    return new CliError("insecure-http", e.message, {
      hints: [
        "Use https:// (wss://), or pass --allow-insecure-http (or set GATEWAY_ALLOW_INSECURE_URLS=1) if this network path is trusted.",
      ],
      cause: e,
    });
  }
  const where =
    e.source === "env" ? "your environment" : e.source === "flag" ? "the command line" : e.source;
  const hint =
    e.code === "SETTINGS_YAML_INVALID"
      ? "Fix the YAML, then retry."
      : `Fix ${e.key} in ${where}, then retry.`;
  // A bad flag is a usage error (exit 2); a bad value in env / .env / config.yaml is a failure (exit 1).
  return new CliError(
    e.code === "SETTINGS_YAML_INVALID" ? "config-invalid" : "setting-invalid",
    e.message,
    {
      hints: [hint],
      cause: e,
      exitCode: e.source === "flag" ? EXIT_USAGE : EXIT_FAILURE,
    },
  );
}

/** Runs `read`, turning a SettingsError into the CLI's error. */
export function settingsOrThrow<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw e instanceof SettingsError ? settingsCliError(e) : e;
  }
}
