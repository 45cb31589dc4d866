// The Photon (iMessage) settings of the gateway, resolved with the rest of its configuration
// (env → $HERMES_HOME/.env → config.yaml `platforms.photon.*` → default). The project id and
// secret are not here: they come from @hermes/credential-store when the channel starts.
import { SettingsError } from "./errors.js";
import { orDefault, type Settings } from "./settings.js";
import type { Env, Sourced } from "./source.js";

/** Where the shared iMessage line lives unless SPECTRUM_IMESSAGE_ADDRESS says otherwise (the SDK's default). */
export const DEFAULT_IMESSAGE_ADDRESS = "imessage.spectrum.photon.codes:443";

export interface PhotonConfig {
  /** `PHOTON_ENABLED` / `platforms.photon.enabled`: run the iMessage channel. Default false. */
  readonly enabled: Sourced<boolean>;
  /** `PHOTON_ALLOWED_USERS`: E.164 numbers or iMessage emails, comma-separated. Empty = nobody. */
  readonly allowedUsers: Sourced<string>;
  /** `PHOTON_REQUIRE_MENTION`: in group chats, answer only messages that name the agent. Default true. */
  readonly requireMention: Sourced<boolean>;
  /** `PHOTON_READ_RECEIPTS`: mark the chat read when a message's turn starts. Default false. */
  readonly readReceipts: Sourced<boolean>;
  /** `PHOTON_MARKDOWN`: `plain` renders the agent's markdown to plain text; `raw` sends it as written. Default plain. */
  readonly markdown: Sourced<"plain" | "raw">;
  /** `PHOTON_WORKING_TAPBACKS`: 👀 on a message while its turn runs, then ✅ (answered) or ❌ (failed). Default false. */
  readonly workingTapbacks: Sourced<boolean>;
  /** `PHOTON_STREAM_SILENCE_TIMEOUT_MS`: a stream silent this long is torn down and resubscribed. */
  readonly silenceTimeoutMs: Sourced<number>;
  /** `PHOTON_WEBHOOK_PORT`: receive inbound through Photon's signed webhook on this port instead of the stream. */
  readonly webhookPort: Sourced<number | null>;
  /** `PHOTON_WEBHOOK_HOST`: where the webhook receiver binds. Default 127.0.0.1 (put a TLS proxy in front). */
  readonly webhookHost: Sourced<string>;
  /** `PHOTON_WEBHOOK_SECRET` (written by `hermes photon setup --webhook-url`): deliveries are verified with it. */
  readonly webhookSecret: Sourced<string | null>;
  /**
   * `SPECTRUM_IMESSAGE_ADDRESS`, from the real environment only: the SDK reads that variable
   * itself, and the watch beneath it must use the same address.
   */
  readonly imessageAddress: Sourced<string>;
  /**
   * `PHOTON_DEDICATED_LINE_ADDRESS`, from the real environment only, like the address above:
   * where dedicated lines are served, `{instance}` standing for a line's instance id.
   */
  readonly dedicatedLineAddress: Sourced<string>;
}

/** Photon's own address for a dedicated line (what the SDK hard-wires). */
export const DEFAULT_DEDICATED_LINE_ADDRESS = "{instance}.imsg.photon.codes:443";

const photonKey = (env: string, yaml: string) => ({ env, yaml: `platforms.photon.${yaml}` });

export function resolvePhotonConfig(settings: Settings, env: Env): PhotonConfig {
  const config = readPhotonConfig(settings, env);
  // A webhook receiver that can verify nothing would answer every delivery 500 while /readyz
  // says ready: refused at boot instead (`run` and `run --check` alike).
  if (
    config.enabled.value &&
    config.webhookPort.value !== null &&
    config.webhookSecret.value === null
  )
    throw new SettingsError(
      "SETTINGS_INVALID_VALUE",
      config.webhookPort.key || "PHOTON_WEBHOOK_PORT",
      config.webhookPort.source,
      "webhook mode needs PHOTON_WEBHOOK_SECRET to verify deliveries (`hermes photon setup --webhook-url …` writes it); set it, or unset the webhook port to use the stream",
    );
  return config;
}

function readPhotonConfig(settings: Settings, env: Env): PhotonConfig {
  const address = env["SPECTRUM_IMESSAGE_ADDRESS"]?.trim();
  const dedicated = env["PHOTON_DEDICATED_LINE_ADDRESS"]?.trim();
  return {
    enabled: orDefault(settings.bool(photonKey("PHOTON_ENABLED", "enabled")), false),
    allowedUsers: orDefault(settings.string({ env: "PHOTON_ALLOWED_USERS" }), ""),
    requireMention: orDefault(
      settings.bool(photonKey("PHOTON_REQUIRE_MENTION", "require_mention")),
      true,
    ),
    readReceipts: orDefault(
      settings.bool(photonKey("PHOTON_READ_RECEIPTS", "read_receipts")),
      false,
    ),
    markdown: orDefault<"plain" | "raw">(
      settings.oneOf(photonKey("PHOTON_MARKDOWN", "markdown"), ["plain", "raw"] as const),
      "plain",
    ),
    workingTapbacks: orDefault(
      settings.bool(photonKey("PHOTON_WORKING_TAPBACKS", "working_tapbacks")),
      false,
    ),
    silenceTimeoutMs: orDefault(
      settings.int(photonKey("PHOTON_STREAM_SILENCE_TIMEOUT_MS", "stream_silence_timeout_ms"), {
        min: 100,
        max: 3_600_000,
      }),
      60_000,
    ),
    webhookPort: orDefault(
      settings.int(photonKey("PHOTON_WEBHOOK_PORT", "webhook_port"), { min: 0, max: 65535 }),
      null,
    ),
    webhookHost: orDefault(
      settings.host(photonKey("PHOTON_WEBHOOK_HOST", "webhook_host")),
      "127.0.0.1",
    ),
    webhookSecret: orDefault(settings.string({ env: "PHOTON_WEBHOOK_SECRET" }), null),
    imessageAddress: address
      ? { value: address, source: "env", key: "SPECTRUM_IMESSAGE_ADDRESS" }
      : { value: DEFAULT_IMESSAGE_ADDRESS, source: "default", key: "" },
    dedicatedLineAddress: dedicated
      ? { value: dedicated, source: "env", key: "PHOTON_DEDICATED_LINE_ADDRESS" }
      : { value: DEFAULT_DEDICATED_LINE_ADDRESS, source: "default", key: "" },
  };
}
