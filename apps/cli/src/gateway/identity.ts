// The caller identity the connector verifies on /relay/enroll, resolved in a fixed order:
// --identity-token, GATEWAY_RELAY_IDENTITY_TOKEN, an IdP (client credentials, or a token URL
// alone), the Nous Portal login in auth.json. Secrets are only ever returned, never printed.
import { HTTP_URL_SCHEMES, parseSecret, parseUrl, type Settings } from "@hermes/settings";
import { settingsOrThrow } from "../config-file.js";
import { CliError, printable } from "../errors.js";
import { parseJsonObject, safeRequest } from "../net/safe-fetch.js";

export interface CallerIdentity {
  token: string;
  /** Where it came from, for messages: never the token itself. */
  source: string;
}

export interface IdentityDeps {
  /** The command's settings (env → .env; these keys have no config.yaml form). */
  settings: Settings;
  flagToken: string | undefined;
  readAuth: () => Promise<Record<string, unknown>>;
  authPath: string;
  fetch: typeof globalThis.fetch;
  signal: AbortSignal;
  now: () => number;
}

const IDP_MAX_BYTES = 64 * 1024;
const IDP_TIMEOUT_MS = 15_000;

export const IDENTITY_OPTIONS = [
  "--identity-token <token>",
  "GATEWAY_RELAY_IDENTITY_TOKEN=<token>",
  "GATEWAY_RELAY_IDP_TOKEN_URL + GATEWAY_RELAY_IDP_CLIENT_ID + GATEWAY_RELAY_IDP_CLIENT_SECRET [+ GATEWAY_RELAY_IDP_SCOPE] (client credentials)",
  "GATEWAY_RELAY_IDP_TOKEN_URL alone (a GET that returns the token)",
  "a Nous Portal login stored in auth.json (`hermes auth login nous`)",
];

function idpError(message: string): CliError {
  return new CliError("identity-idp", message, {
    hints: ["Check the GATEWAY_RELAY_IDP_* settings, then retry."],
  });
}

/** The IdP URL under the shared URL policy (no userinfo; plain http only to loopback unless allowed). */
function tokenUrlOf(deps: IdentityDeps): URL | undefined {
  const raw = deps.settings.source.env("GATEWAY_RELAY_IDP_TOKEN_URL");
  if (!raw) return undefined;
  const url = settingsOrThrow(() =>
    parseUrl(raw, { schemes: HTTP_URL_SCHEMES, ...deps.settings.insecureUrls }),
  );
  return new URL(url.value);
}

/** An env/.env secret through the shared secret policy (`isUsableSecret`), or undefined when unset. */
function secretOf(deps: IdentityDeps, name: string): string | undefined {
  const raw = deps.settings.source.env(name);
  return raw ? settingsOrThrow(() => parseSecret(raw)).value : undefined;
}

async function clientCredentials(
  deps: IdentityDeps,
  tokenUrl: URL,
  id: string,
  secret: string,
  scope?: string,
): Promise<string> {
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: id,
    client_secret: secret,
  });
  if (scope) form.set("scope", scope);
  const res = await safeRequest({
    url: tokenUrl,
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: form.toString(),
    bodyIsSecret: true,
    allowInsecureHttp: deps.settings.insecureUrls.allowInsecure,
    timeoutMs: IDP_TIMEOUT_MS,
    maxBytes: IDP_MAX_BYTES,
    peer: "the IdP token endpoint",
    fetch: deps.fetch,
    signal: deps.signal,
  });
  const json = parseJsonObject(res.body);
  if (res.status < 200 || res.status > 299) {
    const detail = json && typeof json.error === "string" ? `: ${printable(json.error, 120)}` : "";
    throw idpError(`The IdP token endpoint returned HTTP ${res.status}${detail}.`);
  }
  const token = json?.access_token;
  if (typeof token !== "string" || !token.trim())
    throw idpError("The IdP token endpoint returned no access_token.");
  return token.trim();
}

async function tokenUrlAlone(deps: IdentityDeps, tokenUrl: URL): Promise<string> {
  const res = await safeRequest({
    url: tokenUrl,
    method: "GET",
    headers: { Accept: "application/json, text/plain" },
    allowInsecureHttp: deps.settings.insecureUrls.allowInsecure,
    timeoutMs: IDP_TIMEOUT_MS,
    maxBytes: IDP_MAX_BYTES,
    peer: "the identity token URL",
    fetch: deps.fetch,
    signal: deps.signal,
  });
  if (res.status < 200 || res.status > 299)
    throw idpError(`The identity token URL returned HTTP ${res.status}.`);
  const text = res.body.trim();
  const json = parseJsonObject(text);
  if (json) {
    const token = json.access_token;
    if (typeof token === "string" && token.trim()) return token.trim();
    throw idpError("The identity token URL returned JSON without an access_token.");
  }
  if (text && !/\s/.test(text) && !text.startsWith("[") && !text.startsWith("<")) return text;
  throw idpError("The identity token URL returned neither a JSON access_token nor a bare token.");
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function expired(entry: Record<string, unknown>, nowMs: number): boolean {
  const raw = entry.expires_at;
  let ms: number | undefined;
  if (typeof raw === "number") ms = raw > 1e12 ? raw : raw * 1000;
  else if (typeof raw === "string" && raw.trim()) {
    const parsed = Date.parse(raw);
    if (!Number.isNaN(parsed)) ms = parsed;
  }
  return ms !== undefined && ms <= nowMs;
}

/** `credential_pool.nous[0]` then `providers.nous`: `access_token` (or `token`). */
export function nousTokenFrom(
  auth: Record<string, unknown>,
  nowMs: number,
): { token?: string; expired?: boolean } {
  const pool = asRecord(auth.credential_pool)?.nous;
  const candidates: Array<Record<string, unknown> | undefined> = [
    Array.isArray(pool) ? asRecord(pool[0]) : asRecord(pool),
    asRecord(asRecord(auth.providers)?.nous),
  ];
  let sawExpired = false;
  for (const entry of candidates) {
    if (!entry) continue;
    const token = entry.access_token ?? entry.token;
    if (typeof token !== "string" || !token.trim()) continue;
    if (expired(entry, nowMs)) {
      sawExpired = true;
      continue;
    }
    return { token: token.trim() };
  }
  return sawExpired ? { expired: true } : {};
}

export async function resolveCallerIdentity(deps: IdentityDeps): Promise<CallerIdentity> {
  const flag = deps.flagToken?.trim();
  if (flag) return { token: flag, source: "--identity-token" };
  const envToken = secretOf(deps, "GATEWAY_RELAY_IDENTITY_TOKEN");
  if (envToken)
    return {
      token: envToken,
      source: `GATEWAY_RELAY_IDENTITY_TOKEN (${deps.settings.source.env("GATEWAY_RELAY_IDENTITY_TOKEN")?.source})`,
    };

  const tokenUrl = tokenUrlOf(deps);
  const clientId = deps.settings.source.env("GATEWAY_RELAY_IDP_CLIENT_ID")?.value;
  const clientSecret = secretOf(deps, "GATEWAY_RELAY_IDP_CLIENT_SECRET");
  if (clientId || clientSecret) {
    if (!clientId || !clientSecret) {
      const missing = clientId ? "GATEWAY_RELAY_IDP_CLIENT_SECRET" : "GATEWAY_RELAY_IDP_CLIENT_ID";
      const present = clientId ? "GATEWAY_RELAY_IDP_CLIENT_ID" : "GATEWAY_RELAY_IDP_CLIENT_SECRET";
      throw new CliError("identity-idp-incomplete", `${present} is set but ${missing} is not.`, {
        hints: [
          "Client-credentials mode needs GATEWAY_RELAY_IDP_TOKEN_URL, _CLIENT_ID and _CLIENT_SECRET; set the missing one or unset the other.",
        ],
      });
    }
    if (!tokenUrl) {
      throw new CliError(
        "identity-idp-incomplete",
        "GATEWAY_RELAY_IDP_CLIENT_ID and _CLIENT_SECRET are set but GATEWAY_RELAY_IDP_TOKEN_URL is not.",
        {
          hints: ["Set GATEWAY_RELAY_IDP_TOKEN_URL to the IdP token endpoint."],
        },
      );
    }
    const scope = deps.settings.source.env("GATEWAY_RELAY_IDP_SCOPE")?.value;
    const token = await clientCredentials(deps, tokenUrl, clientId, clientSecret, scope);
    return { token, source: "the IdP (client credentials)" };
  }
  if (tokenUrl) {
    const token = await tokenUrlAlone(deps, tokenUrl);
    return { token, source: "GATEWAY_RELAY_IDP_TOKEN_URL" };
  }

  const nous = nousTokenFrom(await deps.readAuth(), deps.now());
  if (nous.token) return { token: nous.token, source: "your Nous Portal login" };
  if (nous.expired) {
    throw new CliError(
      "identity-expired",
      `Your Nous Portal login in ${deps.authPath} has expired.`,
      {
        hints: ["Log in again (`hermes auth login nous`), or pass --identity-token <token>."],
      },
    );
  }
  throw new CliError(
    "identity-missing",
    "No caller identity to present to the connector. Provide one of:",
    {
      hints: IDENTITY_OPTIONS.map((o) => `• ${o}`),
    },
  );
}
