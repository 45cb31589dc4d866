// Typed Photon credentials on auth.json (docs/contract/photon.md#photon-credentials), in the upstream shapes:
// `credential_pool.photon = [{access_token, issued_at}]` (also read `token`; legacy fallback
// `providers.photon.access_token`) and `credential_pool.photon_project = [{project_id,
// project_secret, issued_at, ...extra}]`, with the PHOTON_PROJECT_ID / _SECRET overrides.
import { readAuth, updateAuth } from "./auth.js";
import { CredentialStoreError } from "./errors.js";
import { readEnvFile } from "./dotenv.js";
import type { Env } from "./home.js";
import type { JsonObject, JsonValue } from "./json.js";
import type { LockOptions } from "./lock.js";

function obj(v: unknown): JsonObject | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;
}
function nonEmpty(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== ""
    ? v
    : typeof v === "number"
      ? String(v)
      : undefined;
}
function firstOfPool(auth: JsonObject, pool: string): JsonObject | undefined {
  const p = obj(auth["credential_pool"])?.[pool];
  return Array.isArray(p) ? obj(p[0]) : undefined;
}
const nowSeconds = (now?: () => number) => Math.floor((now ? now() : Date.now()) / 1000);

/** The stored dashboard bearer token, or null. */
export async function loadPhotonToken(home: string): Promise<string | null> {
  const auth = await readAuth(home);
  const entry = firstOfPool(auth, "photon");
  return (
    nonEmpty(entry?.["access_token"]) ??
    nonEmpty(entry?.["token"]) ??
    nonEmpty(obj(obj(auth["providers"])?.["photon"])?.["access_token"]) ??
    null
  );
}

/** Store the dashboard token as the only entry of `credential_pool.photon`. */
export async function storePhotonToken(
  home: string,
  token: string,
  opts: LockOptions & { now?: () => number } = {},
): Promise<void> {
  if (typeof token !== "string" || token.trim() === "")
    throw new CredentialStoreError(
      "INVALID_ARGUMENT",
      "storePhotonToken: the token must be a non-empty string; nothing was written.",
    );
  await updateAuth(
    home,
    (auth) => {
      const pool = obj(auth["credential_pool"]) ?? {};
      pool["photon"] = [{ access_token: token, issued_at: nowSeconds(opts.now) }];
      auth["credential_pool"] = pool;
    },
    opts,
  );
}

/** Forget a stale dashboard token: `credential_pool.photon` and the legacy `providers.photon.access_token`. Other keys untouched. */
export async function clearPhotonToken(home: string, opts: LockOptions = {}): Promise<void> {
  await updateAuth(
    home,
    (auth) => {
      const pool = obj(auth["credential_pool"]);
      if (pool && "photon" in pool) delete pool["photon"];
      const legacy = obj(obj(auth["providers"])?.["photon"]);
      if (legacy && "access_token" in legacy) delete legacy["access_token"];
    },
    opts,
  );
}

export interface ProjectCredentials {
  projectId: string | null;
  projectSecret: string | null;
  /** Where each half came from. */
  idSource: "env" | ".env" | "auth.json" | null;
  secretSource: "env" | ".env" | "auth.json" | null;
  /** The other fields stored with the project (dashboard id, name, …). */
  extra: Record<string, JsonValue>;
}

/**
 * The Spectrum project credentials: `PHOTON_PROJECT_ID` + `PHOTON_PROJECT_SECRET` (real env,
 * then `.env`) win when BOTH are set; a single one overrides only its own half; otherwise
 * `credential_pool.photon_project[0]`.
 */
export async function loadProjectCredentials(home: string, env: Env): Promise<ProjectCredentials> {
  const dotenv = await readEnvFile(home);
  const pick = (name: string): { value: string; source: "env" | ".env" } | undefined => {
    const e = nonEmpty(env[name]);
    if (e !== undefined) return { value: e, source: "env" };
    const d = nonEmpty(dotenv.get(name));
    return d !== undefined ? { value: d, source: ".env" } : undefined;
  };
  const id = pick("PHOTON_PROJECT_ID");
  const secret = pick("PHOTON_PROJECT_SECRET");
  if (id && secret)
    return {
      projectId: id.value,
      projectSecret: secret.value,
      idSource: id.source,
      secretSource: secret.source,
      extra: {},
    };
  const entry = firstOfPool(await readAuth(home), "photon_project") ?? {};
  const { project_id, project_secret, ...extra } = entry;
  const storedId = nonEmpty(project_id);
  const storedSecret = nonEmpty(project_secret);
  return {
    projectId: id?.value ?? storedId ?? null,
    projectSecret: secret?.value ?? storedSecret ?? null,
    idSource: id?.source ?? (storedId ? "auth.json" : null),
    secretSource: secret?.source ?? (storedSecret ? "auth.json" : null),
    extra,
  };
}

/** Store the project as the only entry of `credential_pool.photon_project` (extra fields kept beside). */
export async function storeProjectCredentials(
  home: string,
  creds: { projectId: string; projectSecret: string },
  extra: Record<string, JsonValue> = {},
  opts: LockOptions & { now?: () => number } = {},
): Promise<void> {
  if (!nonEmpty(creds.projectId) || !nonEmpty(creds.projectSecret))
    throw new CredentialStoreError(
      "INVALID_ARGUMENT",
      "storeProjectCredentials: projectId and projectSecret must be non-empty strings; nothing was written.",
    );
  await updateAuth(
    home,
    (auth) => {
      const pool = obj(auth["credential_pool"]) ?? {};
      pool["photon_project"] = [
        {
          ...extra,
          project_id: creds.projectId,
          project_secret: creds.projectSecret,
          issued_at: nowSeconds(opts.now),
        },
      ];
      auth["credential_pool"] = pool;
    },
    opts,
  );
}
