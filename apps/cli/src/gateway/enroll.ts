// `hermes gateway enroll`: redeem a single-use enrollment token at the connector's
// /relay/enroll and persist the per-gateway secret and tenant delivery key to .env.
import type { CliContext } from "../context.js";
import { loadConfigYaml } from "../config-file.js";
import { CliError, printable, UsageError } from "../errors.js";
import { parseJsonObject, safeRequest } from "../net/safe-fetch.js";
import type { HomeStore } from "../store.js";
import { Output } from "../ui/output.js";
import { resolveCallerIdentity } from "./identity.js";
import { connectorBaseUrl, defaultGatewayId, enrollUrl, envSetting, stripTrailingSlashes, type SettingsView } from "./settings.js";

export interface EnrollOptions {
  token?: string;
  connectorUrl?: string;
  gatewayId?: string;
  wakeUrl?: string;
  identityToken?: string;
  allowInsecureHttp?: boolean;
  json?: boolean;
}

export const ENROLL_TIMEOUT_MS = 15_000;
export const ENROLL_MAX_BYTES = 64 * 1024;

function enrollFailed(message: string, hints: string[] = []): CliError {
  return new CliError("enroll-failed", `Enrollment failed: ${message}`, { hints });
}

/** A URL for display: a query string may carry a token, so it is never shown. */
export function displayUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.origin}${u.pathname === "/" ? "" : u.pathname}${u.search ? "?<hidden>" : ""}`;
  } catch {
    return "<invalid URL>";
  }
}

function isHttpUrl(raw: string): boolean {
  try {
    const u = new URL(raw.trim());
    return (u.protocol === "http:" || u.protocol === "https:") && !u.username && !u.password;
  } catch {
    return false;
  }
}

function validGatewayId(id: string): boolean {
  return /^[\x21-\x7e]{1,128}$/.test(id);
}

export async function enrollGateway(ctx: CliContext, store: HomeStore, opts: EnrollOptions): Promise<void> {
  const out = new Output(ctx);
  const managed = await store.managed();
  if (managed.managed) {
    throw new CliError("managed", "`hermes gateway enroll` is not available in a managed/hosted install.", {
      hints: [`The relay gateway secret is provisioned by the hosting platform (${managed.reason}).`],
    });
  }
  const dotenv = await store.readEnvFile();
  const loaded = await loadConfigYaml(store.configPath);
  const view: SettingsView = { env: ctx.env, dotenv, config: loaded.ok ? loaded.config : {} };

  // 1. The enrollment token.
  let enrollmentToken = opts.token?.trim() || envSetting(view, "GATEWAY_RELAY_ENROLL_TOKEN")?.value;
  if (!enrollmentToken && ctx.stdinIsTTY) {
    enrollmentToken = (await ctx.prompt("Enrollment token: ", { mask: true })).trim();
  }
  if (!enrollmentToken) {
    throw new UsageError("No enrollment token. Pass --token <token> (or set GATEWAY_RELAY_ENROLL_TOKEN).", [
      "The connector mints this single-use token when your tenant's route is provisioned; it is delivered with your gateway config.",
    ]);
  }

  // 2. The connector base URL.
  let rawUrl = opts.connectorUrl?.trim() || envSetting(view, "GATEWAY_RELAY_URL")?.value;
  if (!rawUrl) {
    if (!loaded.ok) throw loaded.error;
    const fromConfig = view.config.gateway;
    const v = fromConfig && typeof fromConfig === "object" ? (fromConfig as Record<string, unknown>).relay_url : undefined;
    if (typeof v === "string" && v.trim()) rawUrl = v.trim();
  }
  if (!rawUrl && ctx.stdinIsTTY) rawUrl = (await ctx.prompt("Connector URL: ")).trim();
  if (!rawUrl) {
    throw new UsageError("No connector URL. Pass --connector-url <url> (or set GATEWAY_RELAY_URL / gateway.relay_url in config.yaml).");
  }
  const base = connectorBaseUrl(rawUrl);
  if (!base) {
    throw new UsageError(`The connector URL is not a usable http(s)/ws(s) URL: ${displayUrl(rawUrl)}`, [
      "Pass --connector-url https://connector.example.com (no credentials, query or fragment).",
    ]);
  }
  const baseText = `${base.origin}${stripTrailingSlashes(base.pathname)}`;

  if (opts.wakeUrl !== undefined) {
    if (!isHttpUrl(opts.wakeUrl)) throw new UsageError("--wake-url must be an http(s) URL.");
  }

  // 3. The gateway id.
  const gatewayId = (opts.gatewayId ?? defaultGatewayId(await ctx.hostname())).trim();
  if (!validGatewayId(gatewayId)) {
    throw new UsageError("--gateway-id must be 1-128 printable characters without spaces.");
  }

  // 4. The caller identity (the tenant-proving bearer).
  const identity = await resolveCallerIdentity({
    view,
    flagToken: opts.identityToken,
    readAuth: () => store.readAuth(),
    authPath: store.authPath,
    fetch: ctx.fetch,
    signal: ctx.signal,
    allowInsecureHttp: opts.allowInsecureHttp === true,
    now: () => ctx.now(),
  });

  // 5. Redeem the enrollment token.
  let res;
  try {
    res = await safeRequest({
      url: enrollUrl(base),
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      bearer: identity.token,
      body: JSON.stringify({ enrollmentToken, gatewayId }),
      bodyIsSecret: true,
      allowInsecureHttp: opts.allowInsecureHttp === true,
      timeoutMs: ENROLL_TIMEOUT_MS,
      maxBytes: ENROLL_MAX_BYTES,
      peer: "the connector",
      peerUrl: baseText,
      fetch: ctx.fetch,
      signal: ctx.signal,
    });
  } catch (err) {
    if (err instanceof CliError && err.code === "unreachable") {
      throw enrollFailed(err.message, [
        "Check --connector-url / GATEWAY_RELAY_URL and your network, then retry.",
      ]);
    }
    if (err instanceof CliError && err.code !== "cancelled" && err.code !== "insecure-http") {
      throw enrollFailed(err.message, [...err.hints]);
    }
    throw err;
  }
  const json = parseJsonObject(res.body);
  const detail = json && typeof json.error === "string" ? printable(json.error, 200) : "";
  if (res.status === 401) {
    throw enrollFailed(`Connector rejected the caller identity (401). The token from ${identity.source} could not be verified.`, [
      identity.source === "your Nous Portal login" ? "Try `hermes auth login nous` and retry." : `Refresh the identity token (${identity.source}) and retry.`,
    ]);
  }
  if (res.status === 403) {
    throw enrollFailed(detail || "Enrollment token invalid, expired, already used, or tenant mismatch (403).", [
      "Enrollment tokens are single-use: ask for a fresh one and retry.",
    ]);
  }
  if (res.status < 200 || res.status > 299) {
    throw enrollFailed(`Connector returned HTTP ${res.status}${detail ? `: ${detail}` : ""}`, ["Check the connector URL and its status, then retry."]);
  }
  if (!json) {
    throw enrollFailed(`Connector returned a non-JSON response (HTTP ${res.status}).`, ["Check that the URL points at a relay connector."]);
  }
  const secret = typeof json.secret === "string" ? json.secret : "";
  if (!secret) throw enrollFailed("Connector returned an unexpected response (no secret).");
  const deliveryKey = typeof json.deliveryKey === "string" ? json.deliveryKey : "";
  const tenant = typeof json.tenant === "string" ? printable(json.tenant, 120) : "";
  const returnedId = typeof json.gatewayId === "string" ? json.gatewayId.trim() : "";
  const resolvedId = returnedId && validGatewayId(returnedId) ? returnedId : gatewayId;

  // 6. Persist.
  const entries: Array<[string, string]> = [
    ["GATEWAY_RELAY_ID", resolvedId],
    ["GATEWAY_RELAY_SECRET", secret],
  ];
  if (deliveryKey) entries.push(["GATEWAY_RELAY_DELIVERY_KEY", deliveryKey]);
  const explicitUrl = opts.connectorUrl === undefined ? undefined : stripTrailingSlashes(opts.connectorUrl.trim());
  if (explicitUrl) entries.push(["GATEWAY_RELAY_URL", explicitUrl]);
  const wakeUrl = opts.wakeUrl?.trim();
  if (wakeUrl) entries.push(["GATEWAY_RELAY_WAKE_URL", wakeUrl]);
  try {
    await store.setEnvValues(entries);
  } catch (err) {
    throw new CliError("env-write-failed", `Enrolled, but could not write ${store.envPath}: ${printable((err as Error).message, 200)}`, {
      hints: ["The enrollment token is now used up: fix the problem, then ask for a fresh token and enroll again."],
    });
  }

  const shown: Record<string, string> = {
    GATEWAY_RELAY_ID: resolvedId,
    GATEWAY_RELAY_SECRET: "<hidden>",
    GATEWAY_RELAY_DELIVERY_KEY: "<hidden>",
    GATEWAY_RELAY_URL: explicitUrl ? displayUrl(explicitUrl) : "",
    GATEWAY_RELAY_WAKE_URL: wakeUrl ? displayUrl(wakeUrl) : "",
  };
  if (opts.json) {
    out.json({ enrolled: true, gatewayId: resolvedId, tenant: tenant || null, envPath: store.envPath, written: entries.map(([k]) => k) });
    return;
  }
  out.success(`Enrolled gateway "${resolvedId}"${tenant ? ` for tenant ${tenant}` : ""}`);
  out.line();
  out.line(`  Wrote to ${store.envPath}:`);
  for (const [key] of entries) out.line(`    ${key}=${shown[key]}`);
  if (!deliveryKey) out.line("    (the connector returned no delivery key)");
  out.line();
  out.line("  The gateway now authenticates its relay WS upgrade with the per-gateway");
  out.line("  secret and verifies signed inbound deliveries with the tenant delivery");
  out.line("  key. Restart the gateway to pick up the new env.");
}
