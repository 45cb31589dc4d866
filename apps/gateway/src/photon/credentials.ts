// The Photon project credentials check shared by `run` (PhotonRuntime.start) and `run --check`,
// so the pre-flight refuses exactly what the daemon would. A light module: `run --check` must
// not load the channel or its SDK.
import { loadProjectCredentials } from "@hermes/credential-store";

export const PHOTON_CREDENTIALS_MISSING =
  "Photon is enabled but no project credentials were found (PHOTON_PROJECT_ID / PHOTON_PROJECT_SECRET, or auth.json); run `hermes photon setup`";

/** The project id and secret from the environment, `.env` or auth.json; null when either is missing. */
export async function photonCredentials(
  home: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ readonly projectId: string; readonly projectSecret: string } | null> {
  const c = await loadProjectCredentials(home, env);
  return c.projectId && c.projectSecret
    ? { projectId: c.projectId, projectSecret: c.projectSecret }
    : null;
}
