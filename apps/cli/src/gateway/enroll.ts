// `hermes gateway enroll`: redeem a single-use enrollment token at the connector's
// /relay/enroll and persist the per-gateway secret, the tenant delivery key and the platforms
// to .env. Every check this machine can make runs before the token is spent (see
// enroll-preflight.ts); the steps below run in order.
import {
  defaultGatewayId,
  displayUrl,
  HTTP_URL_SCHEMES,
  parseSecret,
  parseUrl,
  RELAY_KEYS,
  RELAY_PLATFORMS_HINT,
  RELAY_URL_SCHEMES,
  stripTrailingSlashes,
  type Sourced,
} from "@hermes/settings";
import type { CliContext } from "../context.js";
import { loadSettings, settingsOrThrow, type LoadedSettings } from "../config-file.js";
import { CliError, printable, UsageError } from "../errors.js";
import { parseJsonObject, safeRequest } from "../net/safe-fetch.js";
import type { HomeStore } from "../store.js";
import { Output } from "../ui/output.js";
import {
  checkConnectorReachable,
  checkHomeWritable,
  confirmReplacingEnrollment,
  warnShadowingEnv,
} from "./enroll-preflight.js";
import { ENROLLED_KEYS, nextRecord } from "./enrollment-keys.js";
import { resolveCallerIdentity, type CallerIdentity } from "./identity.js";
import { connectorBaseUrl, enrollUrl } from "./settings.js";

export interface EnrollOptions {
  token?: string;
  connectorUrl?: string;
  gatewayId?: string;
  wakeUrl?: string;
  identityToken?: string;
  /** `--platform`, repeatable; each may also be a comma list. */
  platform?: string[];
  allowInsecureHttp?: boolean;
  /** Replace an existing enrollment without asking. */
  force?: boolean;
  json?: boolean;
}

export const ENROLL_TIMEOUT_MS = 15_000;
export const ENROLL_MAX_BYTES = 64 * 1024;

/** What enroll will do, resolved from flags and settings before anything leaves the machine. */
interface EnrollPlan {
  enrollmentToken: string;
  base: URL;
  /** The base for messages (no credentials: the URL policy refuses userinfo). */
  baseText: string;
  gatewayId: string;
  /** `--connector-url` as given (trailing `/` removed): written as GATEWAY_RELAY_URL. */
  explicitUrl: string | undefined;
  wakeUrl: string | undefined;
  /** From `--platform`; empty: the connector's answer, else what is configured already. */
  platforms: string[];
  allowInsecureHttp: boolean;
}

/** The connector's 2xx answer, checked. */
interface EnrollAnswer {
  secret: string;
  deliveryKey: string;
  tenant: string;
  gatewayId: string;
  platforms: string[];
}

function enrollFailed(message: string, hints: string[] = []): CliError {
  return new CliError("enroll-failed", `Enrollment failed: ${message}`, { hints });
}

function validGatewayId(id: string): boolean {
  return /^[\x21-\x7e]{1,128}$/.test(id);
}

const PLATFORM_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** `--platform` values (repeatable, comma lists allowed), lower-cased, de-duplicated. */
export function parsePlatforms(values: readonly string[]): string[] {
  const names = values
    .flatMap((v) => v.split(","))
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== "");
  const bad = names.find((p) => !PLATFORM_NAME.test(p));
  if (bad !== undefined)
    throw new UsageError(
      `--platform expects a platform name such as discord or telegram, got ${JSON.stringify(bad.slice(0, 40))}.`,
    );
  return [...new Set(names)];
}

export async function enrollGateway(
  ctx: CliContext,
  store: HomeStore,
  opts: EnrollOptions,
): Promise<void> {
  const out = new Output(ctx);
  await refuseManaged(store);
  const loaded = await loadSettings(ctx, store, {
    allowInsecureUrls: opts.allowInsecureHttp === true,
  });
  const plan = await resolvePlan(ctx, loaded, opts);

  // Preflight: nothing below spends the token until redeem().
  await checkHomeWritable(store);
  const dotenv = await store.readEnvFile();
  const replacing = await confirmReplacingEnrollment(ctx, dotenv, opts.force === true);
  warnShadowingEnv(ctx, out, plannedValues(plan));
  const identity = await resolveCallerIdentity({
    settings: loaded.settings,
    flagToken: opts.identityToken,
    readAuth: () => store.readAuth(),
    authPath: store.authPath,
    fetch: ctx.fetch,
    signal: ctx.signal,
    now: () => ctx.now(),
  });
  await checkConnectorReachable(ctx, plan.base, plan.baseText, plan.allowInsecureHttp);

  const answer = await redeem(ctx, plan, identity);
  const platforms = plan.platforms.length > 0 ? plan.platforms : answer.platforms;
  const written = await persist(store, dotenv, plan, answer, platforms);
  report(out, store, {
    plan,
    answer,
    platforms,
    written,
    replacing,
    json: opts.json === true,
    configuredPlatforms: configuredPlatforms(loaded),
  });
}

async function refuseManaged(store: HomeStore): Promise<void> {
  const managed = await store.managed();
  if (managed.managed) {
    throw new CliError(
      "managed",
      "`hermes gateway enroll` is not available in a managed/hosted install.",
      {
        hints: [
          `The relay gateway secret is provisioned by the hosting platform (${managed.reason}).`,
        ],
      },
    );
  }
}

/** Token, connector URL, gateway id, wake URL, platforms: flags, then settings, then prompts. */
async function resolvePlan(
  ctx: CliContext,
  loaded: LoadedSettings,
  opts: EnrollOptions,
): Promise<EnrollPlan> {
  const { source, settings, configError } = loaded;
  const fromSettings = (
    raw: Sourced<unknown> | null,
    parse: (r: Sourced<unknown>) => Sourced<string>,
  ) => (raw ? settingsOrThrow(() => parse(raw)).value : undefined);

  let enrollmentToken =
    opts.token?.trim() || fromSettings(source.get(RELAY_KEYS.enrollToken), parseSecret);
  if (!enrollmentToken && ctx.stdinIsTTY) {
    enrollmentToken = (await ctx.prompt("Enrollment token: ", { mask: true })).trim();
  }
  if (!enrollmentToken) {
    throw new UsageError(
      "No enrollment token. Pass --token <token> (or set GATEWAY_RELAY_ENROLL_TOKEN).",
      [
        "The connector mints this single-use token when your tenant's route is provisioned; it is delivered with your gateway config.",
      ],
    );
  }

  // The flag, else GATEWAY_RELAY_URL (env → .env → config.yaml), else a prompt; whichever it
  // is, under the shared URL policy (no userinfo, no plain http/ws to a remote host unless
  // --allow-insecure-http or GATEWAY_ALLOW_INSECURE_URLS).
  const flagUrl = opts.connectorUrl?.trim();
  let url: Sourced<unknown> | null = flagUrl
    ? { value: flagUrl, source: "flag", key: "--connector-url" }
    : source.get(RELAY_KEYS.url);
  if (!url && configError) throw configError;
  if (!url && ctx.stdinIsTTY) {
    const typed = (await ctx.prompt("Connector URL: ")).trim();
    if (typed) url = { value: typed, source: "flag", key: "the connector URL" };
  }
  if (!url) {
    throw new UsageError(
      "No connector URL. Pass --connector-url <url> (or set GATEWAY_RELAY_URL / gateway.relay_url in config.yaml).",
    );
  }
  const rawUrl =
    fromSettings(url, (r) =>
      parseUrl(r, { schemes: RELAY_URL_SCHEMES, ...settings.insecureUrls }),
    ) ?? "";
  const base = connectorBaseUrl(rawUrl);
  if (!base) {
    throw new UsageError(
      `The connector URL is not a usable http(s)/ws(s) URL: ${displayUrl(rawUrl)}`,
      ["Pass --connector-url https://connector.example.com (no credentials, query or fragment)."],
    );
  }

  const wakeUrl = opts.wakeUrl?.trim() || undefined;
  if (opts.wakeUrl !== undefined) {
    fromSettings({ value: opts.wakeUrl, source: "flag", key: "--wake-url" }, (r) =>
      parseUrl(r, { schemes: HTTP_URL_SCHEMES, ...settings.insecureUrls }),
    );
  }

  const gatewayId = (opts.gatewayId ?? defaultGatewayId(await ctx.hostname())).trim();
  if (!validGatewayId(gatewayId)) {
    throw new UsageError("--gateway-id must be 1-128 printable characters without spaces.");
  }
  return {
    enrollmentToken,
    base,
    baseText: `${base.origin}${stripTrailingSlashes(base.pathname)}`,
    gatewayId,
    explicitUrl: flagUrl === undefined ? undefined : stripTrailingSlashes(flagUrl),
    wakeUrl,
    platforms: parsePlatforms(opts.platform ?? []),
    allowInsecureHttp: settings.insecureUrls.allowInsecure,
  };
}

/** Each key enroll will write, with its value when known before redeeming (null: a secret to come). */
function plannedValues(plan: EnrollPlan): Map<string, string | null> {
  const planned = new Map<string, string | null>([
    ["GATEWAY_RELAY_ID", plan.gatewayId],
    ["GATEWAY_RELAY_SECRET", null],
    ["GATEWAY_RELAY_DELIVERY_KEY", null],
  ]);
  if (plan.explicitUrl) planned.set("GATEWAY_RELAY_URL", plan.explicitUrl);
  if (plan.wakeUrl) planned.set("GATEWAY_RELAY_WAKE_URL", plan.wakeUrl);
  if (plan.platforms.length > 0) planned.set("GATEWAY_RELAY_PLATFORMS", plan.platforms.join(","));
  return planned;
}

/** The platforms already configured (env, .env or config.yaml), for the "run needs one" note. */
function configuredPlatforms(loaded: LoadedSettings): string[] {
  try {
    return loaded.settings.list(RELAY_KEYS.platforms)?.value ?? [];
  } catch {
    return [];
  }
}

/** POST {base}/relay/enroll: the one step that spends the token. */
async function redeem(
  ctx: CliContext,
  plan: EnrollPlan,
  identity: CallerIdentity,
): Promise<EnrollAnswer> {
  let res;
  try {
    res = await safeRequest({
      url: enrollUrl(plan.base),
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      bearer: identity.token,
      body: JSON.stringify({ enrollmentToken: plan.enrollmentToken, gatewayId: plan.gatewayId }),
      bodyIsSecret: true,
      allowInsecureHttp: plan.allowInsecureHttp,
      timeoutMs: ENROLL_TIMEOUT_MS,
      maxBytes: ENROLL_MAX_BYTES,
      peer: "the connector",
      peerUrl: plan.baseText,
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
    throw enrollFailed(
      `Connector rejected the caller identity (401). The token from ${identity.source} could not be verified.`,
      [
        identity.source === "your Nous Portal login"
          ? "Try `hermes auth login nous` and retry."
          : `Refresh the identity token (${identity.source}) and retry.`,
      ],
    );
  }
  if (res.status === 403) {
    throw enrollFailed(
      detail || "Enrollment token invalid, expired, already used, or tenant mismatch (403).",
      ["Enrollment tokens are single-use: ask for a fresh one and retry."],
    );
  }
  if (res.status < 200 || res.status > 299) {
    throw enrollFailed(`Connector returned HTTP ${res.status}${detail ? `: ${detail}` : ""}`, [
      "Check the connector URL and its status, then retry.",
    ]);
  }
  if (!json) {
    throw enrollFailed(`Connector returned a non-JSON response (HTTP ${res.status}).`, [
      "Check that the URL points at a relay connector.",
    ]);
  }
  const secret = typeof json.secret === "string" ? json.secret : "";
  if (!secret) throw enrollFailed("Connector returned an unexpected response (no secret).");
  const returnedId = typeof json.gatewayId === "string" ? json.gatewayId.trim() : "";
  const reported = Array.isArray(json.platforms)
    ? json.platforms.filter((p): p is string => typeof p === "string")
    : [];
  return {
    secret,
    deliveryKey: typeof json.deliveryKey === "string" ? json.deliveryKey : "",
    tenant: typeof json.tenant === "string" ? printable(json.tenant, 120) : "",
    gatewayId: returnedId && validGatewayId(returnedId) ? returnedId : plan.gatewayId,
    // What the connector reports, when it does; names it sends that are not names are dropped.
    platforms: [
      ...new Set(reported.map((p) => p.trim().toLowerCase()).filter((p) => PLATFORM_NAME.test(p))),
    ],
  };
}

/** One atomic .env replace: the credentials, the platforms, and the record of what was written. */
async function persist(
  store: HomeStore,
  dotenv: ReadonlyMap<string, string>,
  plan: EnrollPlan,
  answer: EnrollAnswer,
  platforms: readonly string[],
): Promise<Array<[string, string]>> {
  const entries: Array<[string, string]> = [
    ["GATEWAY_RELAY_ID", answer.gatewayId],
    ["GATEWAY_RELAY_SECRET", answer.secret],
  ];
  if (answer.deliveryKey) entries.push(["GATEWAY_RELAY_DELIVERY_KEY", answer.deliveryKey]);
  if (plan.explicitUrl) entries.push(["GATEWAY_RELAY_URL", plan.explicitUrl]);
  if (plan.wakeUrl) entries.push(["GATEWAY_RELAY_WAKE_URL", plan.wakeUrl]);
  if (platforms.length > 0) entries.push(["GATEWAY_RELAY_PLATFORMS", platforms.join(",")]);
  const record: [string, string] = [
    ENROLLED_KEYS,
    nextRecord(
      dotenv,
      entries.map(([k]) => k),
    ),
  ];
  try {
    await store.setEnvValues([...entries, record]);
  } catch (err) {
    throw new CliError(
      "env-write-failed",
      `Enrolled, but could not write ${store.envPath}: ${printable((err as Error).message, 200)}`,
      {
        hints: [
          "The enrollment token is now used up: fix the problem, then ask for a fresh token and enroll again.",
        ],
      },
    );
  }
  return entries;
}

function report(
  out: Output,
  store: HomeStore,
  r: {
    plan: EnrollPlan;
    answer: EnrollAnswer;
    platforms: readonly string[];
    written: ReadonlyArray<[string, string]>;
    replacing: boolean;
    json: boolean;
    configuredPlatforms: readonly string[];
  },
): void {
  const { answer, platforms, written } = r;
  const runnable = platforms.length > 0 || r.configuredPlatforms.length > 0;
  if (!runnable) {
    out.warn(
      `No platform recorded: \`hermes-gateway run\` needs at least one. Enroll again with --platform <name>, or set it (${RELAY_PLATFORMS_HINT}).`,
    );
  }
  if (r.json) {
    out.json({
      enrolled: true,
      replaced: r.replacing,
      gatewayId: answer.gatewayId,
      tenant: answer.tenant || null,
      platforms,
      envPath: store.envPath,
      written: written.map(([k]) => k),
    });
    return;
  }
  const shown: Record<string, string> = {
    GATEWAY_RELAY_ID: answer.gatewayId,
    GATEWAY_RELAY_SECRET: "<hidden>",
    GATEWAY_RELAY_DELIVERY_KEY: "<hidden>",
    GATEWAY_RELAY_URL: r.plan.explicitUrl ? displayUrl(r.plan.explicitUrl) : "",
    GATEWAY_RELAY_WAKE_URL: r.plan.wakeUrl ? displayUrl(r.plan.wakeUrl) : "",
    GATEWAY_RELAY_PLATFORMS: platforms.join(","),
  };
  out.success(
    `${r.replacing ? "Re-enrolled" : "Enrolled"} gateway "${answer.gatewayId}"${answer.tenant ? ` for tenant ${answer.tenant}` : ""}`,
  );
  out.line();
  out.line(`  Wrote to ${store.envPath}:`);
  for (const [key] of written) out.line(`    ${key}=${shown[key]}`);
  if (!answer.deliveryKey) out.line("    (the connector returned no delivery key)");
  out.line();
  out.line("  The gateway now authenticates its relay WS upgrade with the per-gateway");
  out.line("  secret and verifies signed inbound deliveries with the tenant delivery");
  out.line(
    `  key. ${runnable ? "Start (or restart) it with `hermes-gateway run`." : "Add a platform, then start it with `hermes-gateway run`."}`,
  );
  out.line("  `hermes gateway unenroll` removes exactly these lines again.");
}
