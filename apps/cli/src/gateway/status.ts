// `hermes gateway status [--check]`: the relay configuration the gateway would resolve, with
// where each value comes from, and whether `hermes-gateway run` could start with it (the same
// resolution: @hermes/settings). Secrets are reported as set / missing only. `--check` dials
// and handshakes with the shared check of @hermes/relay-adapter (as `run --check --connect`).
import {
  displayUrl,
  resolveRelayLink,
  type RelayLinkSettings,
  type SettingSource,
  type Sourced,
} from "@hermes/settings";
import type { CliContext } from "../context.js";
import { loadSettings, type LoadedSettings } from "../config-file.js";
import { CliError, UsageError } from "../errors.js";
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
  platforms: { value: readonly string[]; source: SettingSource };
  /** config.yaml's problem and every value the gateway would refuse (each naming key and source); null when none. */
  configError: string | null;
  /** False when `hermes-gateway run` would refuse to start (an enabled relay with a refused value, or no platform). */
  canStart: boolean;
}

export interface StatusOptions {
  json?: boolean;
  check?: boolean;
  timeout?: string;
}

const DEFAULT_CHECK_TIMEOUT_MS = 15_000;

export interface ResolvedStatus {
  status: RelayStatus;
  link: RelayLinkSettings;
  loaded: LoadedSettings;
}

/** The relay status and the settings layers it was resolved from (`hermes doctor` checks the rest of them). */
export async function resolveStatus(ctx: CliContext, store: HomeStore): Promise<ResolvedStatus> {
  const loaded = await loadSettings(ctx, store);
  const problems: string[] = loaded.configError ? [loaded.configError.message] : [];
  const link = resolveRelayLink(loaded.settings, {
    hostname: await ctx.hostname(),
    onError: (e) => problems.push(e.message),
  });
  const managed = await store.managed();
  const url = (s: Sourced<string | null>) =>
    s.value === null ? null : { value: displayUrl(s.value), source: s.source };
  const secret = (s: Sourced<string | null>) => ({
    set: s.value !== null,
    source: s.value === null ? null : s.source,
  });
  const enabled = link.relayEnabled.source !== "config.yaml" || link.relayEnabled.value;
  const status: RelayStatus = {
    home: store.home,
    managed: managed.managed,
    managedReason: managed.reason ?? null,
    enabled,
    relayUrl: url(link.relayUrl),
    gatewayId: { value: link.relayId.value, source: link.relayId.source },
    secret: secret(link.relaySecret),
    deliveryKey: secret(link.relayDeliveryKey),
    wakeUrl: url(link.relayWakeUrl),
    platforms: { value: link.relayPlatforms.value, source: link.relayPlatforms.source },
    configError: problems.length === 0 ? null : problems.join("; "),
    // Any refused value stops the daemon at start (it resolves without onError).
    canStart: problems.length === 0,
  };
  return { status, link, loaded };
}

function timeoutOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_CHECK_TIMEOUT_MS;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 600_000)
    throw new UsageError(
      `--timeout expects milliseconds from 1 to 600000, got ${JSON.stringify(raw.slice(0, 20))}.`,
    );
  return n;
}

/**
 * `loadCheck` brings in the --check dial (./status-check.ts, a body of its own loaded by the
 * command tree: the WebSocket client is most of what a plain `status` would otherwise compile).
 */
export async function gatewayStatus(
  ctx: CliContext,
  store: HomeStore,
  opts: StatusOptions,
  loadCheck: () => Promise<typeof import("./status-check.js")>,
): Promise<void> {
  const out = new Output(ctx);
  const timeoutMs = opts.check ? timeoutOf(opts.timeout) : 0;
  const { status: s, link, loaded } = await resolveStatus(ctx, store);
  if (s.configError) out.warn(`${s.configError} (shown as unset below)`);
  const check =
    opts.check && s.canStart && link.relayUrl.value !== null
      ? await (await loadCheck()).dialRelay(link, loaded, timeoutMs)
      : null;
  if (opts.json) out.json(opts.check ? { ...s, check } : s);
  else printTable(out, s, check);
  if (!opts.check) return;
  if (!s.canStart) {
    throw new CliError(
      "relay-cannot-start",
      "`hermes-gateway run` would refuse this configuration; not dialing.",
      { hints: ["Fix the values named above, then retry."] },
    );
  }
  if (link.relayUrl.value === null) {
    throw new CliError("relay-not-configured", "No relay URL configured; nothing to dial.", {
      hints: ["Run `hermes gateway enroll --token <token> --connector-url <url>`."],
    });
  }
  if (check?.outcome !== "connected") {
    throw new CliError("relay-check-failed", "The relay check failed (see above).", {
      hints: ["`hermes-gateway run --check --connect` runs the same check."],
    });
  }
}

function printTable(out: Output, s: RelayStatus, check: { lines: readonly string[] } | null): void {
  const c = out.out;
  const src = (source: SettingSource | null) => (source ? c.dim(`(${source})`) : "");
  const ok = (set: boolean) => (set ? c.green("✓ set") : c.red("✗ missing"));
  const relay = !s.enabled
    ? c.yellow("disabled (platforms.relay.enabled: false)")
    : s.canStart
      ? "enabled"
      : c.red("✗ cannot start (see the warning above)");
  const rows: Array<[string, string, string]> = [
    [
      "relay url",
      s.relayUrl ? s.relayUrl.value : c.red("✗ not configured"),
      src(s.relayUrl?.source ?? null),
    ],
    ["gateway id", s.gatewayId.value, src(s.gatewayId.source)],
    ["secret", ok(s.secret.set), src(s.secret.source)],
    ["delivery key", ok(s.deliveryKey.set), src(s.deliveryKey.source)],
    ["wake url", s.wakeUrl ? s.wakeUrl.value : "–", src(s.wakeUrl?.source ?? null)],
    [
      "platforms",
      s.platforms.value.length > 0 ? s.platforms.value.join(", ") : "–",
      s.platforms.value.length > 0 ? src(s.platforms.source) : "",
    ],
    ["managed", s.managed ? `yes (${s.managedReason})` : "no", ""],
    ["relay", relay, ""],
  ];
  out.line(c.bold("Relay gateway configuration"));
  out.line(c.dim(`HERMES_HOME ${s.home}`));
  for (const [label, value, source] of rows)
    out.line(`  ${label.padEnd(13)}: ${value}${source ? `  ${source}` : ""}`);
  if (!s.secret.set && !s.managed) {
    out.line();
    out.line(
      "  Not enrolled yet: run `hermes gateway enroll --token <token> --connector-url <url> --platform <name>`.",
    );
  }
  if (check) {
    out.line();
    for (const line of check.lines) out.line(line);
  }
}
