// PhotonStore on @hermes/credential-store's typed Photon credentials (docs/contract/photon.md#photon-credentials).
import {
  clearPhotonToken,
  loadPhotonToken,
  loadProjectCredentials,
  resolveEnvValue,
  storePhotonToken,
  storeProjectCredentials,
} from "@hermes/credential-store";
import type { CliContext } from "../context.js";
import { guarded, type HomeStore } from "../store.js";
import type { PhotonStore, ProjectCredentials, StoredProject } from "./ports.js";

const str = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim() ? v.trim() : undefined;

export function photonStore(ctx: CliContext, home: HomeStore): PhotonStore {
  const dir = home.home;
  return {
    envPath: home.envPath,
    authPath: home.authPath,
    loadToken: () => guarded(async () => (await loadPhotonToken(dir)) ?? undefined),
    saveToken: (token: string) =>
      guarded(() => storePhotonToken(dir, token, { now: () => ctx.now() })),
    clearToken: () => guarded(() => clearPhotonToken(dir)),
    loadProject: () =>
      guarded(async (): Promise<StoredProject> => {
        const p = await loadProjectCredentials(dir, ctx.env);
        return {
          projectId: p.projectId ?? undefined,
          projectSecret: p.projectSecret ?? undefined,
          fromEnv:
            p.idSource === "env" ||
            p.idSource === ".env" ||
            p.secretSource === "env" ||
            p.secretSource === ".env",
          dashboardId: str(p.extra["dashboard_project_id"]),
          name: str(p.extra["name"]),
        };
      }),
    async saveProject(creds: ProjectCredentials, extra: { dashboardId?: string; name?: string }) {
      const fields: Record<string, string> = {};
      if (extra.dashboardId) fields["dashboard_project_id"] = extra.dashboardId;
      if (extra.name) fields["name"] = extra.name;
      await guarded(() => storeProjectCredentials(dir, creds, fields, { now: () => ctx.now() }));
    },
    async webhookSecretSet() {
      return (
        (await guarded(() => resolveEnvValue(dir, "PHOTON_WEBHOOK_SECRET", ctx.env))) !== undefined
      );
    },
    async saveWebhookSecret(secret: string) {
      await home.setEnvValues([["PHOTON_WEBHOOK_SECRET", secret]]);
    },
    async enableImessage(phone: string) {
      // Merged, never replaced: entries someone added by hand stay.
      const current = (await home.readEnvFile()).get("PHOTON_ALLOWED_USERS") ?? "";
      const allowedUsers = [
        ...new Set([...current.split(",").map((e) => e.trim()), phone].filter((e) => e !== "")),
      ];
      await home.setEnvValues([
        ["PHOTON_ENABLED", "1"],
        ["PHOTON_ALLOWED_USERS", allowedUsers.join(",")],
      ]);
      return { allowedUsers };
    },
  };
}
