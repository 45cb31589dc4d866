import { displayUrl } from "@hermes/settings";
import type { AgentSpec, GatewayConfig, Sourced } from "./resolve.js";

/** One resolved setting as `run --check` shows it: the display value (secrets `<hidden>`) and its source. */
export interface ConfigEntry {
  /** Stable name in `run --check --json`. */
  readonly name: string;
  readonly label: string;
  /** null when unset. */
  readonly value: string | null;
  readonly source: Sourced<unknown>["source"];
  /** The env var or config.yaml key it came from ("" for a default). */
  readonly key: string;
}

/**
 * The resolved configuration, each value with its source. Secrets show as <hidden>; URLs
 * without userinfo, query or fragment (each may carry a token).
 */
export function configEntries(c: GatewayConfig): ConfigEntry[] {
  const entry = (name: string, label: string, s: Sourced<unknown>, secret = false): ConfigEntry => {
    const unset = s.value === null || (Array.isArray(s.value) && s.value.length === 0);
    return {
      name,
      label,
      value: unset ? null : secret ? "<hidden>" : render(s.value),
      source: s.source,
      key: s.key,
    };
  };
  return [
    entry("relayEnabled", "relay enabled", c.relayEnabled),
    entry("relayUrl", "relay url", asUrl(c.relayUrl)),
    entry("relayId", "relay id", c.relayId),
    entry("relaySecret", "relay secret", c.relaySecret, true),
    entry("deliveryKey", "delivery key", c.relayDeliveryKey, true),
    entry("wakeUrl", "wake url", asUrl(c.relayWakeUrl)),
    entry("platforms", "platforms", c.relayPlatforms),
    entry("botIds", "bot ids", c.relayBotIds),
    entry("identityToken", "identity token", c.relayIdentityToken, true),
    entry("endpoint", "endpoint", asUrl(c.relayEndpoint)),
    entry("routeKeys", "route keys", c.relayRouteKeys),
    entry("instanceId", "instance id", c.relayInstanceId),
    entry("commands", "commands", { ...c.commands, value: c.commands.value.map((x) => x.name) }),
    entry("inbound", "inbound", {
      ...c.inboundPort,
      value: c.inboundPort.value === null ? null : `${c.inboundHost.value}:${c.inboundPort.value}`,
    }),
    entry("agent", "agent", c.agent),
    entry("agentTimeoutMs", "agent timeout ms", c.agentTimeoutMs),
    entry("agentPassEnv", "agent pass env", c.agentPassEnv),
    entry("agentOutput", "agent output", c.agentOutput),
    entry("reactions", "reactions", {
      ...c.reactionPlatforms,
      value: c.reactionPlatforms.value.length === 0 ? "none" : c.reactionPlatforms.value,
    }),
    entry("typingIntervalMs", "typing every ms", c.typingIntervalMs),
    entry("streamEditIntervalMs", "stream edit ms", c.streamEditIntervalMs),
    entry("mediaCache", "media cache", {
      ...c.mediaCacheMaxBytes,
      value: `${c.mediaCacheMaxBytes.value} bytes, ${c.mediaCacheMaxAgeMs.value} ms`,
    }),
    entry("health", "health", {
      ...c.healthPort,
      value: c.healthPort.value === null ? null : `${c.healthHost.value}:${c.healthPort.value}`,
    }),
    entry("drainTimeoutMs", "drain timeout ms", c.drainTimeoutMs),
    entry("maxQueuedTurns", "max queued turns", c.queueMaxTurns),
    entry("maxQueuedPerSession", "max queued/session", c.queueMaxPerSession),
    entry("logLevel", "log level", c.logLevel),
    entry("logFormat", "log format", {
      ...c.logFormat,
      value: c.logFormat.value ?? "auto (pretty on a terminal, else json)",
    }),
    entry("photonEnabled", "photon enabled", c.photon.enabled),
    entry("photonAllowedUsers", "photon allowed", {
      ...c.photon.allowedUsers,
      value: c.photon.allowedUsers.value === "" ? null : c.photon.allowedUsers.value,
    }),
    entry("photonWorkingTapbacks", "photon tapbacks", c.photon.workingTapbacks),
    entry("photonReadReceipts", "photon receipts", c.photon.readReceipts),
    entry("photonMarkdown", "photon markdown", c.photon.markdown),
    entry("photonWebhook", "photon webhook", {
      ...c.photon.webhookPort,
      value:
        c.photon.webhookPort.value === null
          ? null
          : `${c.photon.webhookHost.value}:${c.photon.webhookPort.value}`,
    }),
    entry("photonWebhookSecret", "webhook secret", c.photon.webhookSecret, true),
    entry("imessageAddress", "imessage address", c.photon.imessageAddress),
    entry("dedicatedLineAddress", "dedicated lines at", c.photon.dedicatedLineAddress),
    entry("photonSilenceTimeoutMs", "photon silence ms", c.photon.silenceTimeoutMs),
  ];
}

/** `<platform>: <number of allowed users>` for each `<PLATFORM>_ALLOWED_USERS`. */
function allowlists(c: GatewayConfig): Record<string, number> {
  return Object.fromEntries([...c.allowedUsers].map(([platform, users]) => [platform, users.size]));
}

/** Lines for `run --check`. */
export function describeConfig(c: GatewayConfig): string[] {
  const from = (e: ConfigEntry) =>
    e.source === "default" ? "default" : `${e.key} from ${e.source}`;
  const lists = Object.entries(allowlists(c));
  return [
    `home               ${c.home}`,
    ...configEntries(c).map((e) => `${e.label.padEnd(18)} ${e.value ?? "(unset)"}  [${from(e)}]`),
    `allowlists         ${lists.length === 0 ? "(none)" : lists.map(([p, n]) => `${p}:${n}`).join(", ")}`,
  ];
}

/** The object `run --check --json` prints. */
export function configJson(c: GatewayConfig): {
  home: string;
  settings: Record<string, Omit<ConfigEntry, "name" | "label">>;
  allowlists: Record<string, number>;
  warnings: readonly string[];
} {
  const settings = Object.fromEntries(
    configEntries(c).map(({ name, value, source, key }) => [name, { value, source, key }]),
  );
  return { home: c.home, settings, allowlists: allowlists(c), warnings: c.warnings };
}

/** How an agent backend is shown: its kind, the exec command, or only an HTTP URL's origin. */
export function describeAgent(a: AgentSpec): string {
  return a.kind === "echo"
    ? "echo"
    : a.kind === "exec"
      ? `exec:${a.command}`
      : `http ${new URL(a.url).origin}`;
}

function asUrl(s: Sourced<string | null>): Sourced<string | null> {
  return { ...s, value: s.value === null ? null : displayUrl(s.value) };
}

function render(v: unknown): string {
  if (typeof v === "object" && v !== null && "kind" in v) return describeAgent(v as AgentSpec);
  return typeof v === "string" ? v : JSON.stringify(v);
}
