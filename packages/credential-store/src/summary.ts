// Display without secrets (docs/contract/photon.md#status-display and the relay equivalents). Every value returned is a
// fixed literal, a project id or a gateway id: never a secret's bytes.
import { readEnvFile, setEnvValue, type SetEnvOptions } from "./dotenv.js";
import { envPath, type Env } from "./home.js";
import { loadPhotonToken, loadProjectCredentials } from "./photon.js";

export const SUMMARY = {
  stored: "✓ stored",
  missing: "✗ missing",
  tokenMissing: "✗ missing (run `hermes photon setup`)",
  set: "✓ set",
  webhookUnset: "⚠ unset — verification disabled",
  yes: "✓",
  no: "✗",
} as const;

export interface CredentialSummary {
  photon: { device_token: string; project_id: string; project_key: string; webhook_key: string };
  relay: { gateway_id: string; secret: string; delivery_key: string };
}

/** The status literals for `hermes photon status` / `hermes gateway status`. */
export async function credentialSummary(home: string, env: Env): Promise<CredentialSummary> {
  const dotenv = await readEnvFile(home);
  const has = (name: string) => {
    const isSet = (v: string | undefined) => typeof v === "string" && v.trim() !== "";
    return isSet(env[name]) || isSet(dotenv.get(name)); // an empty real env value counts as unset, as everywhere
  };
  const token = await loadPhotonToken(home);
  const project = await loadProjectCredentials(home, env);
  const gatewayId = env["GATEWAY_RELAY_ID"] || dotenv.get("GATEWAY_RELAY_ID") || "";
  return {
    photon: {
      device_token: token ? SUMMARY.stored : SUMMARY.tokenMissing,
      project_id: project.projectId ?? SUMMARY.missing,
      project_key: project.projectSecret ? SUMMARY.stored : SUMMARY.missing,
      webhook_key: has("PHOTON_WEBHOOK_SECRET") ? SUMMARY.set : SUMMARY.webhookUnset,
    },
    relay: {
      gateway_id: gatewayId || SUMMARY.missing,
      secret: has("GATEWAY_RELAY_SECRET") ? SUMMARY.yes : SUMMARY.no,
      delivery_key: has("GATEWAY_RELAY_DELIVERY_KEY") ? SUMMARY.yes : SUMMARY.no,
    },
  };
}

export interface PersistWebhookResult {
  saved: boolean;
  /** Lines safe to print: the response with the secret redacted, and where it was saved. */
  summary: string[];
}

const SECRET_FIELDS = ["signingSecret", "secret"];

/**
 * Write `PHOTON_WEBHOOK_SECRET` from a webhook-registration response (`signingSecret`, else
 * `secret`). Returns only a redacted summary; `saved` is false when the response has no
 * secret. Errors (managed install, unwritable file) propagate as CredentialStoreError, whose
 * messages never contain the secret.
 */
export async function persistWebhookSigningSecret(
  home: string,
  response: unknown,
  opts: SetEnvOptions,
): Promise<PersistWebhookResult> {
  if (typeof response !== "object" || response === null || Array.isArray(response)) {
    return {
      saved: false,
      summary: ["webhook registration response was not an object; nothing saved"],
    };
  }
  const data = response as Record<string, unknown>;
  const redacted: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data))
    redacted[k] = SECRET_FIELDS.includes(k) ? "<redacted>" : v;
  const summary = ["webhook registration response (redacted):", JSON.stringify(redacted, null, 2)];
  const secret = [data["signingSecret"], data["secret"]].find(
    (v): v is string => typeof v === "string" && v !== "",
  );
  if (secret === undefined)
    return {
      saved: false,
      summary: [...summary, "no signing secret in the response; nothing saved"],
    };
  await setEnvValue(home, "PHOTON_WEBHOOK_SECRET", secret, opts);
  return {
    saved: true,
    summary: [
      ...summary,
      `signing key saved to ${envPath(home)}`,
      "(Photon only returns this once — keep the file safe)",
    ],
  };
}
