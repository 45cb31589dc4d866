// What the photon commands need from the Photon API and from the credential files, as narrow
// interfaces: `binding.ts` implements them with @hermes/photon-api and
// @hermes/credential-store; tests implement them in memory.
import type { PhotonConnectionCheck } from "@hermes/photon-channel";

export interface DeviceAuthorization {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string | undefined;
  /** Seconds until the code expires. */
  expiresIn: number;
}

/** A dashboard token and whom it belongs to, as the session lookup names them. */
export interface DashboardLogin {
  token: string;
  /** The account's email, else its name, else its id; undefined when the dashboard names none. */
  account?: string | undefined;
}

export interface PendingLogin extends DeviceAuthorization {
  /** Polls until approved, validates the token against the dashboard, returns it and its account. */
  complete(opts: { signal: AbortSignal; onPending?: () => void }): Promise<DashboardLogin>;
}

export interface DashboardProject {
  /** Dashboard id (for regenerate-secret). */
  id: string;
  name: string;
  /** Spectrum project id (HTTP Basic user). */
  spectrumProjectId?: string | undefined;
}

export interface ProjectCredentials {
  projectId: string;
  projectSecret: string;
}

export interface WebhookInfo {
  id: string;
  webhookUrl: string;
  createdAt?: string | undefined;
}

export interface PhotonUser {
  id: string;
  phoneNumber?: string | undefined;
  /** The number this user texts to reach the agent (the dashboard's "texts on"); unset until assigned. */
  assignedPhoneNumber?: string | null | undefined;
}

/** A line of the project's number inventory (dedicated numbers; empty on shared-number plans). */
export interface PhotonLine {
  platform?: string | undefined;
  phoneNumber?: string | null | undefined;
}

/** What the iMessage connection check found: @hermes/photon-channel's result (a type only: nothing loads). */
export type ConnectionCheckResult = PhotonConnectionCheck;

/** Checks that the gateway's channel can connect with these credentials (token + a short subscribe). */
export type ConnectionChecker = (creds: ProjectCredentials) => Promise<ConnectionCheckResult>;

export interface PhotonApi {
  readonly dashboardHost: string;
  readonly spectrumHost: string;
  startLogin(signal: AbortSignal): Promise<PendingLogin>;
  /** "rejected" when the dashboard refuses the token (stale, revoked). */
  checkToken(token: string, signal: AbortSignal): Promise<"ok" | "rejected">;
  /** The account a valid token belongs to (see DashboardLogin.account); null when the dashboard rejects it. */
  whoAmI(token: string, signal: AbortSignal): Promise<{ account?: string | undefined } | null>;
  listProjects(token: string, signal: AbortSignal): Promise<DashboardProject[]>;
  /** Creates a Spectrum-enabled project; the secret may come back only via regenerate. */
  createProject(
    token: string,
    name: string,
    signal: AbortSignal,
  ): Promise<{ project: DashboardProject; projectSecret?: string | undefined }>;
  regenerateSecret(token: string, dashboardProjectId: string, signal: AbortSignal): Promise<string>;
  /** false when Spectrum answers 401 to these credentials. */
  credentialsWork(creds: ProjectCredentials, signal: AbortSignal): Promise<boolean>;
  createUser(
    creds: ProjectCredentials,
    user: {
      phoneNumber: string;
      firstName?: string | undefined;
      lastName?: string | undefined;
      email?: string | undefined;
    },
    signal: AbortSignal,
  ): Promise<PhotonUser>;
  listUsers(creds: ProjectCredentials, signal: AbortSignal): Promise<PhotonUser[]>;
  /** The project's line inventory (dashboard, `GET /api/projects/{id}/lines`). */
  listLines(token: string, dashboardProjectId: string, signal: AbortSignal): Promise<PhotonLine[]>;
  registerWebhook(
    creds: ProjectCredentials,
    url: string,
    signal: AbortSignal,
  ): Promise<WebhookInfo & { signingSecret: string }>;
  listWebhooks(creds: ProjectCredentials, signal: AbortSignal): Promise<WebhookInfo[]>;
  /** "absent" when it was already gone (404). */
  deleteWebhook(
    creds: ProjectCredentials,
    id: string,
    signal: AbortSignal,
  ): Promise<"deleted" | "absent">;
}

export interface StoredProject {
  projectId?: string | undefined;
  projectSecret?: string | undefined;
  /** Where the pair came from: env overrides win over auth.json. */
  fromEnv: boolean;
  dashboardId?: string | undefined;
  name?: string | undefined;
}

export interface PhotonStore {
  readonly envPath: string;
  readonly authPath: string;
  loadToken(): Promise<string | undefined>;
  saveToken(token: string): Promise<void>;
  /** Forget the dashboard token only (project credentials, webhook secret and other tools' keys stay). */
  clearToken(): Promise<void>;
  loadProject(): Promise<StoredProject>;
  saveProject(
    creds: ProjectCredentials,
    extra: { dashboardId?: string; name?: string },
  ): Promise<void>;
  webhookSecretSet(): Promise<boolean>;
  saveWebhookSecret(secret: string): Promise<void>;
  /** What `hermes-gateway run` needs: PHOTON_ENABLED=1 and `phone` merged into PHOTON_ALLOWED_USERS (.env). */
  enableImessage(phone: string): Promise<{ allowedUsers: string[] }>;
}

/** The credential summary: display literals only (docs/contract/photon.md#status-display), never secret bytes. */
export interface PhotonSummary {
  device_token: string;
  project_id: string;
  project_key: string;
  webhook_key: string;
}
