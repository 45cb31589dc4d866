// `hermes gateway status`: the relay configuration the gateway would resolve, with where each
// value comes from. Secrets are reported as set / missing only.
import type { CliContext } from "../context.js";
import { loadConfigYaml } from "../config-file.js";
import type { HomeStore } from "../store.js";
import { Output } from "../ui/output.js";
import { displayUrl } from "./enroll.js";
import { defaultGatewayId, relaySetting, stripTrailingSlashes, type SettingSource, type SettingsView } from "./settings.js";

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
  configError: string | null;
}

export async function relayStatus(ctx: CliContext, store: HomeStore): Promise<RelayStatus> {
  const dotenv = await store.readEnvFile();
  const loaded = await loadConfigYaml(store.configPath);
  const view: SettingsView = { env: ctx.env, dotenv, config: loaded.ok ? loaded.config : {} };
  const managed = await store.managed();
  const url = relaySetting(view, "GATEWAY_RELAY_URL", "relay_url");
  const id = relaySetting(view, "GATEWAY_RELAY_ID", "relay_id");
  const secret = relaySetting(view, "GATEWAY_RELAY_SECRET", "relay_secret");
  const key = relaySetting(view, "GATEWAY_RELAY_DELIVERY_KEY", "relay_delivery_key");
  const wake = relaySetting(view, "GATEWAY_RELAY_WAKE_URL", "relay_wake_url");
  const platforms = view.config.platforms;
  const relay = platforms && typeof platforms === "object" ? (platforms as Record<string, unknown>).relay : undefined;
  const enabled = !(relay && typeof relay === "object" && (relay as Record<string, unknown>).enabled === false);
  return {
    home: store.home,
    managed: managed.managed,
    managedReason: managed.reason ?? null,
    enabled,
    relayUrl: url ? { value: displayUrl(stripTrailingSlashes(url.value)), source: url.source } : null,
    gatewayId: id ? { value: id.value, source: id.source } : { value: defaultGatewayId(await ctx.hostname()), source: "default" },
    secret: { set: secret !== undefined, source: secret?.source ?? null },
    deliveryKey: { set: key !== undefined, source: key?.source ?? null },
    wakeUrl: wake ? { value: displayUrl(wake.value), source: wake.source } : null,
    configError: loaded.ok ? null : loaded.error.message,
  };
}

export async function gatewayStatus(ctx: CliContext, store: HomeStore, opts: { json?: boolean }): Promise<void> {
  const out = new Output(ctx);
  const s = await relayStatus(ctx, store);
  if (s.configError) out.warn(`${s.configError} (its values are ignored below)`);
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
