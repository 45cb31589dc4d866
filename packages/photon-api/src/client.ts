import {
  firstValidToken,
  pollForToken,
  requestDeviceCode,
  validateDashboardToken,
  type DashboardUser,
  type DeviceCode,
  type DeviceFlowContext,
  type PollOptions,
} from "./device-flow.js";
import { PhotonDashboardAuthError, PhotonApiError, InvalidPhoneNumberError } from "./errors.js";
import { DEFAULT_DASHBOARD_HOST, DEFAULT_SPECTRUM_HOST, stripTrailingSlashes } from "./hosts.js";
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  messageOf,
  realSleep,
  send,
  type FetchLike,
  type HttpOptions,
  type PhotonLogger,
  type SentResponse,
  type Sleep,
} from "./http.js";
import { E164 } from "./phone.js";
import type { TokenCandidate } from "./token-candidates.js";

export interface PhotonClientOptions {
  dashboardHost?: string;
  spectrumHost?: string;
  /** Per-request timeout (default 30 000 ms). */
  timeoutMs?: number;
  /** Retries of 429/5xx/network errors on idempotent requests (default 3). */
  maxRetries?: number;
  /**
   * Largest response body read, in bytes (default 4 MiB). A larger answer is not read (the
   * connection is closed) and the call fails with `PHOTON_RESPONSE_TOO_LARGE`.
   */
  maxResponseBytes?: number;
  fetch?: FetchLike;
  /** Milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  sleep?: Sleep;
  logger?: PhotonLogger;
}

export interface Project {
  id: string;
  name: string;
  location?: string;
  status?: string;
  spectrum?: boolean;
  spectrumProjectId?: string;
  projectSecret?: string;
  [key: string]: unknown;
}

export interface ProjectCredentials {
  projectId: string;
  projectSecret: string;
}

export interface CreateUserInput {
  phoneNumber: string;
  type?: "shared" | "dedicated";
  firstName?: string;
  lastName?: string;
  email?: string;
  assignedPhoneNumber?: string;
}

export interface SpectrumUser {
  id: string;
  projectId: string;
  phoneNumber: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  assignedPhoneNumber?: string | null;
  createdAt?: string;
  [key: string]: unknown;
}

export interface ProjectLine {
  id: string;
  platform?: string;
  phoneNumber?: string | null;
  status?: string;
  [key: string]: unknown;
}

export interface RegisteredWebhook {
  id: string;
  webhookUrl: string;
  signingSecret: string;
  createdAt?: string;
}
export interface WebhookInfo {
  id: string;
  webhookUrl: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface LoginOptions extends PollOptions {
  onUserCode: (code: DeviceCode) => void;
  /** Called with the URL to open unless `false`; omit to skip opening. */
  openBrowser?: ((url: string) => void | Promise<void>) | false;
  scope?: string;
}

export class PhotonClient {
  readonly dashboardHost: string;
  readonly spectrumHost: string;
  readonly #http: HttpOptions;
  readonly #now: () => number;

  constructor(options: PhotonClientOptions = {}) {
    this.dashboardHost = stripTrailingSlashes(options.dashboardHost ?? DEFAULT_DASHBOARD_HOST);
    this.spectrumHost = stripTrailingSlashes(options.spectrumHost ?? DEFAULT_SPECTRUM_HOST);
    this.#now = options.now ?? Date.now;
    const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!(Number.isSafeInteger(maxResponseBytes) && maxResponseBytes > 0)) {
      throw new PhotonApiError(
        "maxResponseBytes must be a positive whole number of bytes (default 4 MiB).",
        { code: "PHOTON_INVALID_INPUT" },
      );
    }
    this.#http = {
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      sleep: options.sleep ?? realSleep,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxRetries: options.maxRetries ?? 3,
      maxResponseBytes,
      logger: options.logger,
    };
  }

  get #ctx(): DeviceFlowContext {
    return { http: this.#http, dashboardHost: this.dashboardHost, now: this.#now };
  }

  // ---- device login ----
  requestDeviceCode(
    options: { clientId?: string; scope?: string; signal?: AbortSignal } = {},
  ): Promise<DeviceCode> {
    return requestDeviceCode(this.#ctx, options);
  }
  pollForToken(code: DeviceCode, options: PollOptions = {}): Promise<TokenCandidate[]> {
    return pollForToken(this.#ctx, code, options);
  }
  validateDashboardToken(token: string, signal?: AbortSignal): Promise<DashboardUser> {
    return validateDashboardToken(this.#ctx, token, signal);
  }
  /** Full device login; returns the first candidate that validates. Does not persist it. */
  async loginWithDeviceFlow(
    options: LoginOptions,
  ): Promise<{ token: string; source: string; user: DashboardUser }> {
    const code = await this.requestDeviceCode({
      ...(options.clientId ? { clientId: options.clientId } : {}),
      ...(options.scope ? { scope: options.scope } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    try {
      options.onUserCode(code);
    } catch {
      /* display only */
    }
    if (options.openBrowser) {
      try {
        await options.openBrowser(code.verificationUriComplete ?? code.verificationUri);
      } catch {
        /* the user can open it by hand */
      }
    }
    const candidates = await this.pollForToken(code, options);
    const { candidate, user } = await firstValidToken(this.#ctx, candidates, options.signal);
    return { token: candidate.token, source: candidate.source, user };
  }

  // ---- dashboard ----
  async #dashboard(
    method: string,
    path: string,
    token: string,
    json?: unknown,
    signal?: AbortSignal,
  ): Promise<SentResponse> {
    const res = await send(this.#http, {
      method,
      url: `${this.dashboardHost}${path}`,
      label: path,
      headers: { authorization: `Bearer ${token}` },
      json,
      retry: method === "GET",
      signal,
    });
    if (res.status === 401 || res.status === 403) {
      throw new PhotonDashboardAuthError(
        `Photon dashboard rejected the stored token (${res.status} on ${method} ${path}); run the device login again.`,
        { status: res.status },
      );
    }
    if (res.status < 200 || res.status >= 300) {
      throw new PhotonApiError(
        `Photon dashboard ${method} ${path} failed (${res.status}: ${messageOf(res.body, res.text)}).`,
        { code: "PHOTON_HTTP", status: res.status },
      );
    }
    return res;
  }

  async listProjects(token: string, signal?: AbortSignal): Promise<Project[]> {
    const res = await this.#dashboard("GET", "/api/projects/", token, undefined, signal);
    const body = res.body as unknown;
    const list = Array.isArray(body)
      ? body
      : Array.isArray((body as { data?: unknown })?.data)
        ? (body as { data: unknown[] }).data
        : undefined;
    if (!list)
      throw new PhotonApiError("Photon project list was not an array; retry later.", {
        code: "PHOTON_BAD_RESPONSE",
        status: res.status,
      });
    return list.filter(
      (p): p is Project => !!p && typeof p === "object" && typeof (p as Project).id === "string",
    );
  }

  async findProjectByName(
    token: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<Project | undefined> {
    const wanted = name.trim().toLowerCase();
    return (await this.listProjects(token, signal)).find(
      (p) => typeof p.name === "string" && p.name.trim().toLowerCase() === wanted,
    );
  }

  /**
   * Creates a project (Spectrum is provisioned with every project; the dashboard id is the
   * Spectrum project id). The body is upstream's current one: `{name, location, template: false,
   * observability: false}`. Servers answer the project, `{success, id}` (then only `id` is set) or
   * `{succeed, data: project}`.
   */
  async createProject(
    token: string,
    input: { name: string; location?: string },
    signal?: AbortSignal,
  ): Promise<Project> {
    const res = await this.#dashboard(
      "POST",
      "/api/projects/",
      token,
      {
        name: input.name,
        location: input.location ?? "United States",
        template: false,
        observability: false,
      },
      signal,
    );
    const raw = (res.body ?? {}) as Record<string, unknown>;
    const b =
      typeof raw.data === "object" && raw.data !== null && !Array.isArray(raw.data)
        ? (raw.data as Record<string, unknown>)
        : raw;
    if (typeof b.id !== "string")
      throw new PhotonApiError(
        "Photon created a project but returned no id; check the dashboard.",
        { code: "PHOTON_BAD_RESPONSE", status: res.status },
      );
    if (b.success === true && b.name === undefined) return { id: b.id, name: input.name };
    return b as Project;
  }

  /**
   * The project's lines (`GET /api/projects/{id}/lines`): `[{id, platform, phoneNumber, status}]`,
   * the inventory of dedicated numbers. On shared-number plans it is empty: the number a user texts
   * is that user's `assignedPhoneNumber`.
   */
  async listLines(token: string, projectId: string, signal?: AbortSignal): Promise<ProjectLine[]> {
    const res = await this.#dashboard(
      "GET",
      `/api/projects/${encodeURIComponent(projectId)}/lines`,
      token,
      undefined,
      signal,
    );
    const list = unwrapList(res.body, "lines");
    return list.filter(
      (line): line is ProjectLine =>
        typeof line === "object" && line !== null && typeof (line as ProjectLine).id === "string",
    );
  }

  /** Rotates the project secret: the old one dies at once. Only call when the stored one fails. */
  async regenerateProjectSecret(
    token: string,
    projectId: string,
    signal?: AbortSignal,
  ): Promise<{ projectSecret: string }> {
    const res = await this.#dashboard(
      "POST",
      `/api/projects/${encodeURIComponent(projectId)}/regenerate-secret`,
      token,
      undefined,
      signal,
    );
    const secret = (res.body as Record<string, unknown> | undefined)?.projectSecret;
    if (typeof secret !== "string" || !secret)
      throw new PhotonApiError(
        "Photon regenerated the secret but returned none; check the dashboard.",
        { code: "PHOTON_BAD_RESPONSE", status: res.status },
      );
    return { projectSecret: secret };
  }

  // ---- spectrum ----
  async #spectrum(
    method: string,
    creds: ProjectCredentials,
    sub: string,
    json?: unknown,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const path = `/projects/${encodeURIComponent(creds.projectId)}${sub}`;
    const basic = Buffer.from(`${creds.projectId}:${creds.projectSecret}`).toString("base64");
    const res = await send(this.#http, {
      method,
      url: `${this.spectrumHost}${path}`,
      label: path,
      headers: { authorization: `Basic ${basic}` },
      json,
      retry: method !== "POST",
      signal,
    });
    if (res.status === 401 || res.status === 403) {
      throw new PhotonApiError(
        `Spectrum rejected the project credentials (${res.status} on ${method} ${path}); check the project id and secret.`,
        { code: "PHOTON_SPECTRUM_AUTH", status: res.status },
      );
    }
    const b = (res.body ?? {}) as Record<string, unknown>;
    const codes: Record<number, string> = {
      404: "PHOTON_NOT_FOUND",
      409: "PHOTON_CONFLICT",
      422: "PHOTON_VALIDATION",
      429: "PHOTON_RATE_LIMITED",
    };
    if (res.status < 200 || res.status >= 300) {
      throw new PhotonApiError(
        `Spectrum ${method} ${path} failed (${res.status}: ${messageOf(res.body, res.text)}).`,
        { code: codes[res.status] ?? "PHOTON_HTTP", status: res.status },
      );
    }
    if (res.status === 204) return undefined;
    if (b.succeed !== true) {
      throw new PhotonApiError(
        `Spectrum ${method} ${path} reported failure: ${messageOf(res.body, res.text)}.`,
        { code: "PHOTON_SPECTRUM_FAILED", status: res.status },
      );
    }
    return b.data;
  }

  async createUser(
    creds: ProjectCredentials,
    input: CreateUserInput,
    signal?: AbortSignal,
  ): Promise<SpectrumUser> {
    const type = input.type ?? "shared";
    if (!E164.test(input.phoneNumber)) throw new InvalidPhoneNumberError();
    if (type === "dedicated" && !input.assignedPhoneNumber) {
      throw new PhotonApiError(
        "A dedicated user needs assignedPhoneNumber (E.164); pass it or use type 'shared'.",
        { code: "PHOTON_INVALID_INPUT" },
      );
    }
    if (input.assignedPhoneNumber !== undefined && !E164.test(input.assignedPhoneNumber))
      throw new InvalidPhoneNumberError();
    const body: Record<string, unknown> = { type, phoneNumber: input.phoneNumber };
    if (input.firstName) body.firstName = input.firstName;
    if (input.lastName) body.lastName = input.lastName;
    if (input.email) body.email = input.email;
    if (type === "dedicated") body.assignedPhoneNumber = input.assignedPhoneNumber;
    return (await this.#spectrum("POST", creds, "/users/", body, signal)) as SpectrumUser;
  }

  async listUsers(creds: ProjectCredentials, signal?: AbortSignal): Promise<SpectrumUser[]> {
    const data = (await this.#spectrum("GET", creds, "/users/", undefined, signal)) as
      { users?: unknown } | undefined;
    return Array.isArray(data?.users) ? (data.users as SpectrumUser[]) : [];
  }

  /** The returned `signingSecret` is shown once: store it immediately, never print it. */
  async registerWebhook(
    creds: ProjectCredentials,
    webhookUrl: string,
    signal?: AbortSignal,
  ): Promise<RegisteredWebhook> {
    const data = (await this.#spectrum("POST", creds, "/webhooks/", { webhookUrl }, signal)) as
      RegisteredWebhook | undefined;
    if (!data || typeof data.signingSecret !== "string")
      throw new PhotonApiError(
        "Spectrum registered the webhook but returned no signing secret; delete and re-register it.",
        { code: "PHOTON_BAD_RESPONSE" },
      );
    return data;
  }

  async listWebhooks(creds: ProjectCredentials, signal?: AbortSignal): Promise<WebhookInfo[]> {
    const data = await this.#spectrum("GET", creds, "/webhooks/", undefined, signal);
    return Array.isArray(data) ? (data as WebhookInfo[]) : [];
  }

  /** Resolves `"deleted"` or `"already-gone"` (404). */
  async deleteWebhook(
    creds: ProjectCredentials,
    webhookId: string,
    signal?: AbortSignal,
  ): Promise<"deleted" | "already-gone"> {
    const path = `/webhooks/${encodeURIComponent(webhookId)}`;
    const basic = Buffer.from(`${creds.projectId}:${creds.projectSecret}`).toString("base64");
    const full = `/projects/${encodeURIComponent(creds.projectId)}${path}`;
    const res = await send(this.#http, {
      method: "DELETE",
      url: `${this.spectrumHost}${full}`,
      label: full,
      headers: { authorization: `Basic ${basic}` },
      retry: true,
      signal,
    });
    if (res.status === 404) return "already-gone";
    if (res.status === 200 || res.status === 204) return "deleted";
    throw new PhotonApiError(
      `Spectrum DELETE ${full} failed (${res.status}: ${messageOf(res.body, res.text)}).`,
      {
        code: res.status === 401 || res.status === 403 ? "PHOTON_SPECTRUM_AUTH" : "PHOTON_HTTP",
        status: res.status,
      },
    );
  }
}

/** A list answered bare, or under `data` / `<key>` (possibly nested once), as Photon's APIs do. */
function unwrapList(body: unknown, key: string): unknown[] {
  if (Array.isArray(body)) return body;
  if (typeof body !== "object" || body === null) return [];
  const record = body as Record<string, unknown>;
  for (const inner of [record.data, record[key]]) {
    if (Array.isArray(inner)) return inner;
    if (typeof inner === "object" && inner !== null) {
      const nested = (inner as Record<string, unknown>)[key];
      if (Array.isArray(nested)) return nested;
    }
  }
  return [];
}
