import {
  DeviceFlowDeniedError,
  DeviceFlowExpiredError,
  DeviceFlowTimeoutError,
  PhotonApiError,
  PhotonDashboardAuthError,
} from "./errors.js";
import { messageOf, send, type HttpOptions } from "./http.js";
import { extractTokenCandidates, TOKEN_SOURCES, type TokenCandidate } from "./token-candidates.js";

export const DEFAULT_CLIENT_ID = "photon-cli";
export const DEFAULT_SCOPE = "openid profile email";
export const DEFAULT_POLL_INTERVAL_SECONDS = 5;
export const DEFAULT_DEVICE_CODE_EXPIRY_SECONDS = 900;
const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";

export interface DeviceCode {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string | undefined;
  expiresIn: number;
  interval: number;
}

export interface DeviceFlowContext {
  http: HttpOptions;
  dashboardHost: string;
  now: () => number;
}

export interface PollOptions {
  clientId?: string;
  signal?: AbortSignal;
  /** Called after each `authorization_pending` / `slow_down` answer. Errors it throws are ignored. */
  onPending?: (info: { attempt: number; intervalSeconds: number }) => void;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v ? v : undefined;
}
function posInt(v: unknown, fallback: number): number {
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
}

export async function requestDeviceCode(
  ctx: DeviceFlowContext,
  options: { clientId?: string; scope?: string; signal?: AbortSignal } = {},
): Promise<DeviceCode> {
  const res = await send(ctx.http, {
    method: "POST",
    url: `${ctx.dashboardHost}/api/auth/device/code`,
    label: "/api/auth/device/code",
    retry: true,
    signal: options.signal,
    json: {
      client_id: options.clientId ?? DEFAULT_CLIENT_ID,
      scope: options.scope ?? DEFAULT_SCOPE,
    },
  });
  const b = (res.body ?? {}) as Record<string, unknown>;
  if (res.status !== 200) {
    throw new PhotonApiError(
      `Photon refused the device-code request (${res.status}: ${messageOf(res.body, res.text)}). Check the client id and dashboard host.`,
      { code: "PHOTON_DEVICE_CODE", status: res.status },
    );
  }
  const deviceCode = str(b.device_code),
    userCode = str(b.user_code),
    verificationUri = str(b.verification_uri);
  if (!deviceCode || !userCode || !verificationUri) {
    throw new PhotonApiError(
      "Photon's device-code response lacks device_code, user_code or verification_uri; retry later.",
      { code: "PHOTON_BAD_RESPONSE", status: res.status },
    );
  }
  return {
    deviceCode,
    userCode,
    verificationUri,
    verificationUriComplete: str(b.verification_uri_complete),
    expiresIn: posInt(b.expires_in, DEFAULT_DEVICE_CODE_EXPIRY_SECONDS),
    interval: posInt(b.interval, DEFAULT_POLL_INTERVAL_SECONDS),
  };
}

/** Poll until approved; returns every token candidate of the approving response (non-empty). */
export async function pollForToken(
  ctx: DeviceFlowContext,
  code: DeviceCode,
  options: PollOptions = {},
): Promise<TokenCandidate[]> {
  const deadline = ctx.now() + code.expiresIn * 1000;
  let interval = code.interval;
  for (let attempt = 1; ctx.now() < deadline; attempt++) {
    let wait = interval;
    let res;
    try {
      res = await send(ctx.http, {
        method: "POST",
        url: `${ctx.dashboardHost}/api/auth/device/token`,
        label: "/api/auth/device/token",
        retry: false,
        retryRateLimit: false,
        signal: options.signal,
        json: {
          grant_type: GRANT_TYPE,
          device_code: code.deviceCode,
          client_id: options.clientId ?? DEFAULT_CLIENT_ID,
        },
      });
    } catch (err) {
      if (err instanceof PhotonApiError && err.code === "PHOTON_ABORTED") throw err;
      res = undefined; // network error: wait and retry
    }
    if (res?.status === 200) {
      const candidates = extractTokenCandidates(res.body, res.headers);
      if (candidates.length === 0) {
        throw new PhotonApiError(
          `Photon approved the login but returned no token (looked for ${TOKEN_SOURCES}); retry the login.`,
          { code: "PHOTON_NO_TOKEN", status: 200 },
        );
      }
      return candidates;
    }
    if (res?.status === 400) {
      const b = (res.body ?? {}) as Record<string, unknown>;
      const err = str(b.error) ?? str(b.message) ?? "";
      if (err === "authorization_pending" || err === "slow_down") {
        if (err === "slow_down") {
          interval += 5;
          wait = interval;
        }
        try {
          options.onPending?.({ attempt, intervalSeconds: interval });
        } catch {
          /* progress only */
        }
      } else if (err === "expired_token") {
        throw new DeviceFlowExpiredError();
      } else if (err === "access_denied") {
        throw new DeviceFlowDeniedError();
      } else {
        throw new PhotonApiError(
          `Photon device token error: ${err || res.text.slice(0, 200) || "unknown"}. Run the login again.`,
          { code: "PHOTON_DEVICE_TOKEN", status: 400 },
        );
      }
    } else if (res?.status === 429) {
      interval += 10;
      wait = interval;
    }
    const remaining = deadline - ctx.now();
    if (remaining <= 0) break;
    await ctx.http
      .sleep(Math.min(wait * 1000, remaining), options.signal)
      .catch((cause: unknown) => {
        throw new PhotonApiError("Photon device login was cancelled.", {
          code: "PHOTON_ABORTED",
          cause,
        });
      });
  }
  throw new DeviceFlowTimeoutError(code.expiresIn);
}

export interface DashboardUser {
  [key: string]: unknown;
}

export async function validateDashboardToken(
  ctx: DeviceFlowContext,
  token: string,
  signal?: AbortSignal,
): Promise<DashboardUser> {
  const auth = { authorization: `Bearer ${token}` };
  const session = await send(ctx.http, {
    method: "GET",
    url: `${ctx.dashboardHost}/api/auth/get-session`,
    label: "/api/auth/get-session",
    headers: auth,
    retry: true,
    signal,
  });
  if (session.status === 401 || session.status === 403) {
    throw new PhotonDashboardAuthError(
      "Photon issued a device token, but the dashboard session lookup rejected it.",
      { status: session.status },
    );
  }
  if (session.status < 200 || session.status >= 300) {
    throw new PhotonApiError(`Photon session lookup failed (${session.status}); retry later.`, {
      code: "PHOTON_HTTP",
      status: session.status,
    });
  }
  const user = (session.body as Record<string, unknown> | undefined)?.user;
  if (!user || typeof user !== "object" || Array.isArray(user) || Object.keys(user).length === 0) {
    throw new PhotonDashboardAuthError(
      "Photon issued a device token, but the dashboard session lookup did not recognize it.",
      { status: session.status },
    );
  }
  const projects = await send(ctx.http, {
    method: "GET",
    url: `${ctx.dashboardHost}/api/projects/`,
    label: "/api/projects/",
    headers: auth,
    retry: true,
    signal,
  });
  if (projects.status === 401 || projects.status === 403) {
    throw new PhotonDashboardAuthError(
      "Photon device token was accepted for the session lookup but rejected by the project API.",
      { status: projects.status },
    );
  }
  if (projects.status < 200 || projects.status >= 300) {
    throw new PhotonApiError(`Photon project listing failed (${projects.status}); retry later.`, {
      code: "PHOTON_HTTP",
      status: projects.status,
    });
  }
  return user as DashboardUser;
}

/** First candidate that validates; otherwise a dashboard-auth error naming the sources tried. */
export async function firstValidToken(
  ctx: DeviceFlowContext,
  candidates: TokenCandidate[],
  signal?: AbortSignal,
): Promise<{ candidate: TokenCandidate; user: DashboardUser }> {
  let authError: PhotonDashboardAuthError | undefined;
  let lastError: unknown;
  for (const candidate of candidates) {
    try {
      return { candidate, user: await validateDashboardToken(ctx, candidate.token, signal) };
    } catch (err) {
      lastError = err;
      if (err instanceof PhotonDashboardAuthError) authError = err;
    }
  }
  if (authError) {
    throw new PhotonDashboardAuthError(
      `${authError.message} Device login returned no project-valid dashboard token (tried: ${candidates.map((c) => c.source).join(", ") || "none"}). Run the login again.`,
      { status: authError.status, cause: authError },
    );
  }
  throw (
    lastError ??
    new PhotonApiError("Photon did not return a usable dashboard token; run the login again.", {
      code: "PHOTON_NO_TOKEN",
    })
  );
}
