// PhotonApi (ports.ts) implemented with @hermes/photon-api. Its typed errors become CliErrors
// with a next step; its messages never carry tokens or secrets (a guarantee of that package).
import {
  PhotonApiError,
  PhotonClient,
  PhotonDashboardAuthError,
  resolvePhotonHosts,
} from "@hermes/photon-api";
import type { CliContext } from "../context.js";
import { CancelledError, CliError, printable } from "../errors.js";
import type { DashboardProject, PendingLogin, PhotonApi, ProjectCredentials } from "./ports.js";

const HINTS: Record<string, string> = {
  PHOTON_DASHBOARD_AUTH: "Run `hermes photon login` (or `hermes photon setup`) to log in again.",
  PHOTON_SPECTRUM_AUTH: "The project credentials were rejected: run `hermes photon setup`.",
  PHOTON_NETWORK:
    "Check your network and PHOTON_DASHBOARD_HOST / PHOTON_SPECTRUM_HOST, then retry.",
  PHOTON_RATE_LIMITED:
    "Photon is rate limiting this project (5 requests/s); wait a moment and retry.",
  PHOTON_DEVICE_DENIED: "Run `hermes photon login` again and approve the request.",
  PHOTON_DEVICE_EXPIRED: "Run `hermes photon login` again and approve within the time shown.",
  PHOTON_DEVICE_TIMEOUT: "Run `hermes photon login` again and approve within the time shown.",
  PHOTON_NOT_FOUND: "Check the id (`hermes photon webhook list`).",
  PHOTON_CONFLICT: "It already exists; see `hermes photon webhook list`.",
};

export function cliErrorFrom(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return new CancelledError();
  if (err instanceof PhotonApiError) {
    if (err.code === "PHOTON_ABORTED") return new CancelledError();
    const hint = HINTS[err.code];
    return new CliError(err.code.toLowerCase().replace(/_/g, "-"), err.message, {
      hints: hint ? [hint] : [],
      cause: err,
    });
  }
  return err;
}

/** Who the session lookup says this is: email, else name, else id (printable, never a token). */
function accountOf(user: Record<string, unknown>): string | undefined {
  for (const key of ["email", "name", "id"]) {
    const v = user[key];
    if (typeof v === "string" && v.trim()) return printable(v, 120);
  }
  return undefined;
}

function project(p: {
  id: string;
  name: string;
  spectrumProjectId?: string | undefined;
}): DashboardProject {
  return { id: p.id, name: p.name, spectrumProjectId: p.spectrumProjectId };
}

export function photonApi(ctx: CliContext): PhotonApi {
  const hosts = resolvePhotonHosts(ctx.env);
  const client = new PhotonClient({
    ...hosts,
    fetch: (input, init) => ctx.fetch(input, init),
    now: () => ctx.now(),
    sleep: (ms, signal) => ctx.sleep(ms, signal),
  });
  const call = async <T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw cliErrorFrom(err, signal);
    }
  };
  return {
    dashboardHost: client.dashboardHost,
    spectrumHost: client.spectrumHost,
    startLogin: (signal) =>
      call(signal, async (): Promise<PendingLogin> => {
        const code = await client.requestDeviceCode({ signal });
        return {
          userCode: code.userCode,
          verificationUri: code.verificationUri,
          verificationUriComplete: code.verificationUriComplete,
          expiresIn: code.expiresIn,
          complete: ({ signal: s, onPending }) =>
            call(s, async () => {
              const candidates = await client.pollForToken(code, {
                signal: s,
                ...(onPending ? { onPending: () => onPending() } : {}),
              });
              let authError: PhotonDashboardAuthError | undefined;
              for (const candidate of candidates) {
                try {
                  const user = await client.validateDashboardToken(candidate.token, s);
                  return { token: candidate.token, account: accountOf(user) };
                } catch (err) {
                  if (!(err instanceof PhotonDashboardAuthError)) throw err;
                  authError = err;
                }
              }
              throw new CliError(
                "photon-dashboard-auth",
                `${authError?.message ?? "Photon returned no token."} Device login returned no project-valid dashboard token (tried: ${candidates.map((c) => c.source).join(", ") || "none"}).`,
                {
                  hints: [
                    "Run `hermes photon login` again; if it keeps failing, Photon's device login is misbehaving.",
                  ],
                },
              );
            }),
        };
      }),
    checkToken: (token, signal) =>
      call(signal, async () => {
        try {
          await client.validateDashboardToken(token, signal);
          return "ok" as const;
        } catch (err) {
          if (err instanceof PhotonDashboardAuthError) return "rejected" as const;
          throw err;
        }
      }),
    whoAmI: (token, signal) =>
      call(signal, async () => {
        try {
          return { account: accountOf(await client.validateDashboardToken(token, signal)) };
        } catch (err) {
          if (err instanceof PhotonDashboardAuthError) return null;
          throw err;
        }
      }),
    listProjects: (token, signal) =>
      call(signal, async () => (await client.listProjects(token, signal)).map(project)),
    createProject: (token, name, signal) =>
      call(signal, async () => {
        const created = await client.createProject(token, { name }, signal);
        let spectrumProjectId = created.spectrumProjectId;
        if (!spectrumProjectId) {
          // Newer servers answer {success, id}: look the Spectrum id up.
          spectrumProjectId = (await client.listProjects(token, signal)).find(
            (p) => p.id === created.id,
          )?.spectrumProjectId;
        }
        return {
          project: project({ ...created, spectrumProjectId }),
          projectSecret: created.projectSecret,
        };
      }),
    regenerateSecret: (token, id, signal) =>
      call(
        signal,
        async () => (await client.regenerateProjectSecret(token, id, signal)).projectSecret,
      ),
    credentialsWork: (creds: ProjectCredentials, signal) =>
      call(signal, async () => {
        try {
          await client.listWebhooks(creds, signal);
          return true;
        } catch (err) {
          if (err instanceof PhotonApiError && err.code === "PHOTON_SPECTRUM_AUTH") return false;
          throw err;
        }
      }),
    createUser: (creds, user, signal) =>
      call(signal, async () => {
        const input = {
          phoneNumber: user.phoneNumber,
          ...(user.firstName ? { firstName: user.firstName } : {}),
          ...(user.lastName ? { lastName: user.lastName } : {}),
          ...(user.email ? { email: user.email } : {}),
        };
        const created = await client.createUser(creds, input, signal);
        return {
          id: created.id,
          phoneNumber: created.phoneNumber,
          assignedPhoneNumber: created.assignedPhoneNumber,
        };
      }),
    listUsers: (creds, signal) =>
      call(signal, async () =>
        (await client.listUsers(creds, signal)).map((u) => ({
          id: u.id,
          phoneNumber: u.phoneNumber,
          assignedPhoneNumber: u.assignedPhoneNumber,
        })),
      ),
    listLines: (token, id, signal) =>
      call(signal, async () =>
        (await client.listLines(token, id, signal)).map((line) => ({
          platform: line.platform,
          phoneNumber: line.phoneNumber,
        })),
      ),
    registerWebhook: (creds, url, signal) =>
      call(signal, () => client.registerWebhook(creds, url, signal)),
    listWebhooks: (creds, signal) => call(signal, () => client.listWebhooks(creds, signal)),
    deleteWebhook: (creds, id, signal) =>
      call(signal, async () =>
        (await client.deleteWebhook(creds, id, signal)) === "deleted"
          ? ("deleted" as const)
          : ("absent" as const),
      ),
  };
}
