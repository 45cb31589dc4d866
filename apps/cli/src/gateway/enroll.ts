// `hermes gateway enroll`: redeem a single-use enrollment token at the connector's
// /relay/enroll and persist the per-gateway secret and tenant delivery key to .env.
import { defaultGatewayId, displayUrl, HTTP_URL_SCHEMES, parseSecret, parseUrl, RELAY_KEYS, RELAY_URL_SCHEMES, stripTrailingSlashes, type Sourced } from "@hermes/settings";
import type { CliContext } from "../context.js";
import { loadSettings, settingsOrThrow } from "../config-file.js";
import { CliError, printable, UsageError } from "../errors.js";
import { parseJsonObject, safeRequest } from "../net/safe-fetch.js";
import type { HomeStore } from "../store.js";
import { Output } from "../ui/output.js";
import { resolveCallerIdentity } from "./identity.js";
import { connectorBaseUrl, enrollUrl } from "./settings.js";

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
  const { source, settings, configError } = await loadSettings(ctx, store, { allowInsecureUrls: opts.allowInsecureHttp === true });
  const fromSettings = (raw: Sourced<unknown> | null, parse: (r: Sourced<unknown>) => Sourced<string>) =>
    raw ? settingsOrThrow(() => parse(raw)).value : undefined;

  // 1. The enrollment token.
  let enrollmentToken = opts.token?.trim() || fromSettings(source.get(RELAY_KEYS.enrollToken), parseSecret);
  if (!enrollmentToken && ctx.stdinIsTTY) {
    enrollmentToken = (await ctx.prompt("Enrollment token: ", { mask: true })).trim();
  }
  if (!enrollmentToken) {
    throw new UsageError("No enrollment token. Pass --token <token> (or set GATEWAY_RELAY_ENROLL_TOKEN).", [
      "The connector mints this single-use token when your tenant's route is provisioned; it is delivered with your gateway config.",
    ]);
  }

  // 2. The connector base URL: the flag, else GATEWAY_RELAY_URL (env → .env → config.yaml), else
  // a prompt; whichever it is, under the shared URL policy (no userinfo, no plain http/ws to a
  // remote host unless --allow-insecure-http or GATEWAY_ALLOW_INSECURE_URLS).
  const flagUrl = opts.connectorUrl?.trim();
  let url: Sourced<unknown> | null = flagUrl ? { value: flagUrl, source: "flag", key: "--connector-url" } : source.get(RELAY_KEYS.url);
  if (!url && configError) throw configError;
  if (!url && ctx.stdinIsTTY) {
    const typed = (await ctx.prompt("Connector URL: ")).trim();
    if (typed) url = { value: typed, source: "flag", key: "the connector URL" };
  }
  if (!url) {
    throw new UsageError("No connector URL. Pass --connector-url <url> (or set GATEWAY_RELAY_URL / gateway.relay_url in config.yaml).");
  }
  const rawUrl = fromSettings(url, (r) => parseUrl(r, { schemes: RELAY_URL_SCHEMES, ...settings.insecureUrls })) ?? "";
  const base = connectorBaseUrl(rawUrl);
  if (!base) {
    throw new UsageError(`The connector URL is not a usable http(s)/ws(s) URL: ${displayUrl(rawUrl)}`, [
      "Pass --connector-url https://connector.example.com (no credentials, query or fragment).",
    ]);
  }
  const baseText = `${base.origin}${stripTrailingSlashes(base.pathname)}`;

  if (opts.wakeUrl !== undefined) {
    fromSettings({ value: opts.wakeUrl, source: "flag", key: "--wake-url" }, (r) => parseUrl(r, { schemes: HTTP_URL_SCHEMES, ...settings.insecureUrls }));
  }

  // 3. The gateway id.
  const gatewayId = (opts.gatewayId ?? defaultGatewayId(await ctx.hostname())).trim();
  if (!validGatewayId(gatewayId)) {
    throw new UsageError("--gateway-id must be 1-128 printable characters without spaces.");
  }

  // 4. The caller identity (the tenant-proving bearer).
  const identity = await resolveCallerIdentity({
    settings,
    flagToken: opts.identityToken,
    readAuth: () => store.readAuth(),
    authPath: store.authPath,
    fetch: ctx.fetch,
    signal: ctx.signal,
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
      allowInsecureHttp: settings.insecureUrls.allowInsecure,
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
  const explicitUrl = flagUrl === undefined ? undefined : stripTrailingSlashes(flagUrl);
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
