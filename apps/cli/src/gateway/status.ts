// `hermes gateway status`: the relay configuration the gateway would resolve, with where each
// value comes from. Secrets are reported as set / missing only.
import { displayUrl, resolveRelayLink, type SettingSource, type Sourced } from "@hermes/settings";
import type { CliContext } from "../context.js";
import { loadSettings } from "../config-file.js";
import type { HomeStore } from "../store.js";
import { Output } from "../ui/output.js";

export interface RelayStatus {
  home: string;
  managed: boolean;
  managedReason: string | null;
  /** false when `platforms.relay.enabled: false` in config.yaml. */
  enabled: boolean;
  relayUrl: { value: string; source: SettingSource } | null;
  gatewayId: { value: string; source: SettingSource };
  secret: { set: boolean; source: SettingSource | null };
  deliveryKey: { set: boolean; source: SettingSource | null };
  wakeUrl: { value: string; source: SettingSource } | null;
  /** config.yaml's problem and every value the gateway would refuse (each naming key and source); null when none. */
  configError: string | null;
}

/** The relay link exactly as `hermes-gateway run` resolves it; an invalid value is reported and shown as unset. */
export async function relayStatus(ctx: CliContext, store: HomeStore): Promise<RelayStatus> {
  const { settings, configError } = await loadSettings(ctx, store);
  const problems: string[] = configError ? [configError.message] : [];
  const link = resolveRelayLink(settings, { hostname: await ctx.hostname(), onError: (e) => problems.push(e.message) });
  const managed = await store.managed();
  const url = (s: Sourced<string | null>) => (s.value === null ? null : { value: displayUrl(s.value), source: s.source });
  const secret = (s: Sourced<string | null>) => ({ set: s.value !== null, source: s.value === null ? null : s.source });
  return {
    home: store.home,
    managed: managed.managed,
    managedReason: managed.reason ?? null,
    enabled: link.relayEnabled.source !== "config.yaml" || link.relayEnabled.value,
    relayUrl: url(link.relayUrl),
    gatewayId: { value: link.relayId.value, source: link.relayId.source },
    secret: secret(link.relaySecret),
    deliveryKey: secret(link.relayDeliveryKey),
    wakeUrl: url(link.relayWakeUrl),
    configError: problems.length === 0 ? null : problems.join("; "),
  };
}

export async function gatewayStatus(ctx: CliContext, store: HomeStore, opts: { json?: boolean }): Promise<void> {
  const out = new Output(ctx);
  const s = await relayStatus(ctx, store);
  if (s.configError) out.warn(`${s.configError} (shown as unset below)`);
  if (opts.json) {
    out.json(s);
    return;
  }
  const c = out.out;
  const src = (source: SettingSource | null) => (source ? c.dim(`(${source})`) : "");
  const ok = (set: boolean) => (set ? c.green("✓ set") : c.red("✗ missing"));
  const rows: Array<[string, string, string]> = [
    ["relay url", s.relayUrl ? s.relayUrl.value : c.red("✗ not configured"), src(s.relayUrl?.source ?? null)],
    ["gateway id", s.gatewayId.value, src(s.gatewayId.source)],
    ["secret", ok(s.secret.set), src(s.secret.source)],
    ["delivery key", ok(s.deliveryKey.set), src(s.deliveryKey.source)],
    ["wake url", s.wakeUrl ? s.wakeUrl.value : "–", src(s.wakeUrl?.source ?? null)],
    ["managed", s.managed ? `yes (${s.managedReason})` : "no", ""],
    ["relay", s.enabled ? "enabled" : c.yellow("disabled (platforms.relay.enabled: false)"), ""],
  ];
  out.line(c.bold("Relay gateway configuration"));
  out.line(c.dim(`HERMES_HOME ${s.home}`));
  for (const [label, value, source] of rows) out.line(`  ${label.padEnd(13)}: ${value}${source ? `  ${source}` : ""}`);
  if (!s.secret.set && !s.managed) {
    out.line();
    out.line("  Not enrolled yet: run `hermes gateway enroll --token <token> --connector-url <url>`.");
  }
}
