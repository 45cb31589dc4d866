import { displayUrl } from "@hermes/settings";
import type { AgentSpec, GatewayConfig, Sourced } from "./resolve.js";

/**
 * Lines describing the resolved configuration, each with its source. Secrets print as <hidden>;
 * URLs without userinfo, query or fragment (each may carry a token).
 */
export function describeConfig(c: GatewayConfig): string[] {
  const from = (s: Sourced<unknown>) => (s.source === "default" ? "default" : `${s.key} from ${s.source}`);
  const show = (label: string, s: Sourced<unknown>, secret = false) => {
    const v = s.value === null || (Array.isArray(s.value) && s.value.length === 0) ? "(unset)" : secret ? "<hidden>" : render(s.value);
    return `${label.padEnd(18)} ${v}  [${from(s)}]`;
  };
  return [
    `home               ${c.home}`,
    show("relay enabled", c.relayEnabled),
    show("relay url", asUrl(c.relayUrl)),
    show("relay id", c.relayId),
    show("relay secret", c.relaySecret, true),
    show("delivery key", c.relayDeliveryKey, true),
    show("wake url", asUrl(c.relayWakeUrl)),
    show("platforms", c.relayPlatforms),
    show("bot ids", c.relayBotIds),
    show("identity token", c.relayIdentityToken, true),
    show("endpoint", asUrl(c.relayEndpoint)),
    show("route keys", c.relayRouteKeys),
    show("instance id", c.relayInstanceId),
    show("commands", { ...c.commands, value: c.commands.value.map((x) => x.name) }),
    show("inbound", { ...c.inboundPort, value: c.inboundPort.value === null ? null : `${c.inboundHost.value}:${c.inboundPort.value}` }),
    show("agent", c.agent),
    show("agent timeout ms", c.agentTimeoutMs),
    show("agent pass env", c.agentPassEnv),
    show("agent output", c.agentOutput),
    show("reactions", { ...c.reactionPlatforms, value: c.reactionPlatforms.value.length === 0 ? "none" : c.reactionPlatforms.value }),
    show("typing every ms", c.typingIntervalMs),
    show("stream edit ms", c.streamEditIntervalMs),
    show("media cache", { ...c.mediaCacheMaxBytes, value: `${c.mediaCacheMaxBytes.value} bytes, ${c.mediaCacheMaxAgeMs.value} ms` }),
    show("health", { ...c.healthPort, value: c.healthPort.value === null ? null : `${c.healthHost.value}:${c.healthPort.value}` }),
    show("drain timeout ms", c.drainTimeoutMs),
    show("max queued turns", c.queueMaxTurns),
    show("max queued turns per session", c.queueMaxPerSession),
    show("log level", c.logLevel),
    show("log format", { ...c.logFormat, value: c.logFormat.value ?? "auto (pretty on a terminal, else json)" }),
    show("photon enabled", c.photon.enabled),
    show("photon allowed", { ...c.photon.allowedUsers, value: c.photon.allowedUsers.value === "" ? null : c.photon.allowedUsers.value }),
    show("photon tapbacks", c.photon.workingTapbacks),
    show("photon webhook", { ...c.photon.webhookPort, value: c.photon.webhookPort.value === null ? null : `${c.photon.webhookHost.value}:${c.photon.webhookPort.value}` }),
    show("webhook secret", c.photon.webhookSecret, true),
    show("imessage address", c.photon.imessageAddress),
    show("photon silence ms", c.photon.silenceTimeoutMs),
    `allowlists         ${c.allowedUsers.size === 0 ? "(none)" : [...c.allowedUsers].map(([p, u]) => `${p}:${u.size}`).join(", ")}`,
  ];
}

/** How an agent backend is shown: its kind, the exec command, or only an HTTP URL's origin. */
export function describeAgent(a: AgentSpec): string {
  return a.kind === "echo" ? "echo" : a.kind === "exec" ? `exec:${a.command}` : `http ${new URL(a.url).origin}`;
}

function asUrl(s: Sourced<string | null>): Sourced<string | null> {
  return { ...s, value: s.value === null ? null : displayUrl(s.value) };
}

function render(v: unknown): string {
  if (typeof v === "object" && v !== null && "kind" in v) return describeAgent(v as AgentSpec);
  return typeof v === "string" ? v : JSON.stringify(v);
}
