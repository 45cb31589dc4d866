// PhotonStore on top of HERMES_HOME (auth.json pools + .env), per photon.md §5.
import type { CliContext } from "../context.js";
import type { HomeStore } from "../store.js";
import type { PhotonStore, ProjectCredentials, StoredProject } from "./ports.js";

function rec(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

function firstOfPool(auth: Record<string, unknown>, pool: string): Record<string, unknown> | undefined {
  const p = rec(auth.credential_pool)?.[pool];
  return Array.isArray(p) ? rec(p[0]) : undefined;
}

export function photonStore(ctx: CliContext, home: HomeStore): PhotonStore {
  const envValue = async (name: string): Promise<string | undefined> => str(ctx.env[name]) ?? str((await home.readEnvFile()).get(name));
  return {
    envPath: home.envPath,
    authPath: home.authPath,
    async loadToken() {
      const auth = await home.readAuth();
      const entry = firstOfPool(auth, "photon");
      return str(entry?.access_token) ?? str(entry?.token) ?? str(rec(rec(auth.providers)?.photon)?.access_token);
    },
    async saveToken(token: string) {
      await home.updateAuth((auth) => {
        const pool = rec(auth.credential_pool) ?? {};
        pool.photon = [{ access_token: token, issued_at: Math.floor(ctx.now() / 1000) }];
        auth.credential_pool = pool;
      });
    },
    async loadProject(): Promise<StoredProject> {
      const envId = await envValue("PHOTON_PROJECT_ID");
      const envSecret = await envValue("PHOTON_PROJECT_SECRET");
      if (envId && envSecret) return { projectId: envId, projectSecret: envSecret, fromEnv: true };
      const entry = firstOfPool(await home.readAuth(), "photon_project");
      return {
        projectId: envId ?? str(entry?.project_id),
        projectSecret: envSecret ?? str(entry?.project_secret),
        fromEnv: envId !== undefined || envSecret !== undefined,
        dashboardId: str(entry?.dashboard_project_id),
        name: str(entry?.name),
      };
    },
    async saveProject(creds: ProjectCredentials, extra: { dashboardId?: string; name?: string }) {
      await home.updateAuth((auth) => {
        const pool = rec(auth.credential_pool) ?? {};
        const record: Record<string, unknown> = {
          project_id: creds.projectId,
          project_secret: creds.projectSecret,
          issued_at: Math.floor(ctx.now() / 1000),
        };
        if (extra.dashboardId) record.dashboard_project_id = extra.dashboardId;
        if (extra.name) record.name = extra.name;
        pool.photon_project = [record];
        auth.credential_pool = pool;
      });
    },
    async webhookSecretSet() {
      return (await envValue("PHOTON_WEBHOOK_SECRET")) !== undefined;
    },
    async saveWebhookSecret(secret: string) {
      await home.setEnvValues([["PHOTON_WEBHOOK_SECRET", secret]]);
    },
  };
}
