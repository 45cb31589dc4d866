import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { E164 } from "../phone.js";
import { computeWebhookSignature } from "../webhook/verify.js";

/**
 * Where the approving device-token response carries the token
 * (docs/contract/photon.md#token-candidates, six shapes).
 */
export type TokenShape =
  | "access_token"
  | "accessToken"
  | "session.access_token"
  | "data.access_token"
  | "data.accessToken"
  | "set-auth-token";

export interface DeviceScript {
  /** `authorization_pending` answers before the outcome (default 0). */
  pending?: number;
  /** `slow_down` answers before the outcome (default 0, after the pending ones). */
  slowDown?: number;
  outcome:
    | {
        approve: {
          token?: string;
          shape?: TokenShape | TokenShape[];
          /** passes get-session, 401 on projects */ failsProjects?: boolean;
          /** 401 on get-session */ failsSession?: boolean;
        };
      }
    | "deny"
    | "expire"
    | { error: string };
  interval?: number;
  expiresIn?: number;
}

export interface FakeFailure {
  /** Match on path prefix (default: any) and method (default: any). */
  path?: string;
  method?: string;
  kind: { status: 429; retryAfter?: number } | { status: 500 } | "drop";
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface FakeProject {
  id: string;
  name: string;
  location: string;
  status: string;
  spectrum: boolean;
  spectrumProjectId: string;
  projectSecret: string;
  platforms: string[];
  ownerToken: string;
}
export interface FakeUser {
  id: string;
  projectId: string;
  type: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phoneNumber: string;
  assignedPhoneNumber: string | null;
  createdAt: string;
}
export interface FakeWebhook {
  id: string;
  projectId: string;
  webhookUrl: string;
  signingSecret: string;
  createdAt: string;
  updatedAt: string;
}
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface FakePhotonServerOptions {
  /** Client ids accepted by the device-code endpoint (default `["photon-cli"]`). */
  clientIds?: string[];
  /** Answer the newer `{success, id}` shape from project creation. */
  createProjectShape?: "full" | "success-id";
  /** Clock for timestamps (ms); default `Date.now`. */
  now?: () => number;
  /**
   * Every project gets this id (dashboard id = Spectrum id, as upstream unified them) and every
   * regenerated secret is this secret: lines the fake up with a SpectrumFake that knows them.
   */
  spectrumProject?: { id: string; secret: string } | undefined;
  /** The number shared users are assigned to text (`assignedPhoneNumber`); default none. */
  sharedLineNumber?: string | undefined;
}

export interface FakeLine {
  id: string;
  projectId: string;
  platform: string;
  phoneNumber: string;
  status: string;
}

interface DeviceState {
  script: DeviceScript;
  polls: number;
  userCode: string;
}

/**
 * A real HTTP server on 127.0.0.1:0 implementing Photon's Dashboard and Spectrum endpoints
 * with state. One server serves both hosts: use `baseUrl` for `dashboardHost` and `spectrumHost`.
 */
export class FakePhotonServer {
  readonly projects: FakeProject[] = [];
  readonly users: FakeUser[] = [];
  readonly webhooks: FakeWebhook[] = [];
  /** The dashboard's line inventory (`GET /api/projects/{id}/lines`). */
  readonly lines: FakeLine[] = [];
  readonly requests: RecordedRequest[] = [];
  /** Dashboard tokens and what they may do. */
  readonly tokens = new Map<string, { session: boolean; projects: boolean }>();
  readonly #devices = new Map<string, DeviceState>();
  readonly #scripts: DeviceScript[] = [];
  readonly #failures: FakeFailure[] = [];
  #server: Server | undefined;
  readonly #options: Required<
    Omit<FakePhotonServerOptions, "spectrumProject" | "sharedLineNumber">
  > &
    Pick<FakePhotonServerOptions, "spectrumProject" | "sharedLineNumber">;

  constructor(options: FakePhotonServerOptions = {}) {
    this.#options = {
      clientIds: options.clientIds ?? ["photon-cli"],
      createProjectShape: options.createProjectShape ?? "full",
      now: options.now ?? Date.now,
      spectrumProject: options.spectrumProject,
      sharedLineNumber: options.sharedLineNumber,
    };
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    this.#server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** `http://127.0.0.1:<port>`; serves both dashboard and Spectrum paths. */
  get baseUrl(): string {
    if (!this.#server) throw new Error("FakePhotonServer is not started; call start() first");
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }
  get dashboardHost(): string {
    return this.baseUrl;
  }
  get spectrumHost(): string {
    return this.baseUrl;
  }

  /**
   * Script the next device code issued (FIFO). Unscripted codes approve at once with a fresh token.
   */
  scriptDeviceCode(script: DeviceScript): void {
    this.#scripts.push(script);
  }

  /** Register a dashboard token (valid for both session and projects unless told otherwise). */
  addToken(token: string, rights: { session?: boolean; projects?: boolean } = {}): void {
    this.tokens.set(token, { session: rights.session ?? true, projects: rights.projects ?? true });
  }

  /** Add a project directly (e.g. to test adoption by name). */
  addProject(ownerToken: string, name: string): FakeProject {
    const fixed = this.#options.spectrumProject;
    const project: FakeProject = {
      id: fixed?.id ?? randomUUID(),
      name,
      location: "United States",
      status: "active",
      spectrum: true,
      spectrumProjectId: fixed?.id ?? randomUUID(),
      projectSecret: fixed?.secret ?? randomBytes(24).toString("hex"),
      platforms: ["imessage"],
      ownerToken,
    };
    this.projects.push(project);
    return project;
  }

  /** Provision a dedicated line in a project's inventory. */
  addLine(projectId: string, phoneNumber: string, platform = "imessage"): FakeLine {
    const line = { id: randomUUID(), projectId, platform, phoneNumber, status: "active" };
    this.lines.push(line);
    return line;
  }

  /**
   * Make the next matching request(s) fail: 429 (with Retry-After), 500, or a dropped connection.
   */
  injectFailure(failure: FakeFailure): void {
    this.#failures.push({ ...failure, times: failure.times ?? 1 });
  }

  /** POST a signed `messages` delivery like Photon does; returns the receiver's status. */
  async deliverWebhook(
    url: string,
    event: unknown,
    options: { secret?: string; webhookId?: string; timestamp?: number; signature?: string } = {},
  ): Promise<{ status: number; body: string }> {
    const secret = options.secret ?? this.webhooks.find((w) => w.webhookUrl === url)?.signingSecret;
    if (!secret) throw new Error(`no webhook registered for ${url}; pass options.secret`);
    const raw = Buffer.from(JSON.stringify(event));
    const ts = String(options.timestamp ?? Math.floor(this.#options.now() / 1000));
    const res = await fetch(url, {
      method: "POST",
      body: raw,
      headers: {
        "content-type": "application/json",
        "x-spectrum-event": "messages",
        "x-spectrum-webhook-id":
          options.webhookId ?? this.webhooks.find((w) => w.webhookUrl === url)?.id ?? randomUUID(),
        "x-spectrum-timestamp": ts,
        "x-spectrum-signature": options.signature ?? computeWebhookSignature(secret, ts, raw),
      },
    });
    return { status: res.status, body: await res.text() };
  }

  // ---- routing ----
  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    this.requests.push({ method, path, authorization: req.headers.authorization, body });
    const failure = this.#failures.find(
      (f) => (!f.path || path.startsWith(f.path)) && (!f.method || f.method === method),
    );
    if (failure) {
      failure.times = (failure.times ?? 1) - 1;
      if (failure.times <= 0) this.#failures.splice(this.#failures.indexOf(failure), 1);
      if (failure.kind === "drop") {
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> =
        failure.kind.status === 429 && failure.kind.retryAfter !== undefined
          ? { "retry-after": String(failure.kind.retryAfter) }
          : {};
      return send(
        res,
        failure.kind.status,
        {
          succeed: false,
          message: failure.kind.status === 429 ? "rate limited" : "internal error",
        },
        headers,
      );
    }
    const b = (body ?? {}) as Record<string, unknown>;
    if (method === "POST" && path === "/api/auth/device/code") return this.#deviceCode(res, b);
    if (method === "POST" && path === "/api/auth/device/token") return this.#deviceToken(res, b);
    if (path.startsWith("/api/")) return this.#dashboard(req, res, method, path, b);
    const m = /^\/projects\/([^/]+)\/(users|webhooks)\/?([^/]*)$/.exec(path);
    if (m)
      return this.#spectrum(
        req,
        res,
        method,
        decodeURIComponent(m[1]!),
        m[2]!,
        decodeURIComponent(m[3] ?? ""),
        b,
      );
    return send(res, 404, { error: "not_found" });
  }

  #deviceCode(res: ServerResponse, b: Record<string, unknown>): void {
    if (typeof b.client_id !== "string")
      return send(res, 400, {
        error: "invalid_request",
        error_description: "client_id is required",
      });
    if (!this.#options.clientIds.includes(b.client_id))
      return send(res, 400, { error: "invalid_client", error_description: "unknown client" });
    const script = this.#scripts.shift() ?? { outcome: { approve: {} } };
    const deviceCode = randomBytes(16).toString("hex");
    const userCode =
      `${randomBytes(2).toString("hex")}-${randomBytes(2).toString("hex")}`.toUpperCase();
    this.#devices.set(deviceCode, { script, polls: 0, userCode });
    send(res, 200, {
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: `${this.baseUrl}/device`,
      verification_uri_complete: `${this.baseUrl}/device?user_code=${userCode}`,
      ...(script.expiresIn === undefined ? {} : { expires_in: script.expiresIn }),
      ...(script.interval === undefined ? {} : { interval: script.interval }),
    });
  }

  #deviceToken(res: ServerResponse, b: Record<string, unknown>): void {
    if (b.grant_type !== "urn:ietf:params:oauth:grant-type:device_code")
      return send(res, 400, { error: "unsupported_grant_type" });
    const state = typeof b.device_code === "string" ? this.#devices.get(b.device_code) : undefined;
    if (!state) return send(res, 400, { error: "invalid_grant" });
    const { script } = state;
    state.polls++;
    const pending = script.pending ?? 0;
    if (state.polls <= pending) return send(res, 400, { error: "authorization_pending" });
    if (state.polls <= pending + (script.slowDown ?? 0))
      return send(res, 400, { error: "slow_down" });
    const outcome = script.outcome;
    if (outcome === "deny") return send(res, 400, { error: "access_denied" });
    if (outcome === "expire") return send(res, 400, { error: "expired_token" });
    if ("error" in outcome) return send(res, 400, { error: outcome.error });
    const token = outcome.approve.token ?? `tok_${randomBytes(16).toString("hex")}`;
    this.tokens.set(token, {
      session: !outcome.approve.failsSession,
      projects: !outcome.approve.failsProjects,
    });
    this.#devices.delete(b.device_code as string);
    const shapes = ([] as TokenShape[]).concat(outcome.approve.shape ?? "set-auth-token");
    const out: Record<string, unknown> = {};
    const headers: Record<string, string> = {};
    for (const shape of shapes) {
      if (shape === "set-auth-token") headers["set-auth-token"] = token;
      else if (shape === "session.access_token")
        out.session = { ...(out.session as object), access_token: `Bearer ${token}` };
      else if (shape.startsWith("data."))
        out.data = { ...(out.data as object), [shape.slice(5)]: token };
      else out[shape] = token;
    }
    send(res, 200, out, headers);
  }

  #dashboard(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    b: Record<string, unknown>,
  ): void {
    const auth = req.headers.authorization ?? "";
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    const rights = this.tokens.get(token);
    if (path === "/api/auth/get-session" && method === "GET") {
      if (!rights?.session) return send(res, 401, { message: "Unauthorized" });
      return send(res, 200, {
        session: { id: "sess_1" },
        user: { id: "user_1", email: "owner@example.com" },
      });
    }
    if (!rights?.projects) return send(res, 401, { error: "Unauthorized" });
    const mine = this.projects.filter((p) => p.ownerToken === token);
    if (path === "/api/projects/" && method === "GET") {
      return send(
        res,
        200,
        mine.map(({ projectSecret: _s, ownerToken: _o, ...p }) => p),
      );
    }
    if (path === "/api/projects/" && method === "POST") {
      if (typeof b.name !== "string" || !b.name.trim())
        return send(res, 400, { error: "name is required" });
      const p = this.addProject(token, b.name);
      if (typeof b.location === "string") p.location = b.location;
      if (this.#options.createProjectShape === "success-id")
        return send(res, 200, { success: true, id: p.id });
      const { ownerToken: _o, ...shown } = p;
      return send(res, 200, shown);
    }
    const regen = /^\/api\/projects\/([^/]+)\/regenerate-secret$/.exec(path);
    if (regen && method === "POST") {
      const p = mine.find((x) => x.id === decodeURIComponent(regen[1]!));
      if (!p) return send(res, 404, { error: "project not found" });
      p.projectSecret = this.#options.spectrumProject?.secret ?? randomBytes(24).toString("hex");
      return send(res, 200, { success: true, projectSecret: p.projectSecret });
    }
    const lines = /^\/api\/projects\/([^/]+)\/lines$/.exec(path);
    if (lines && method === "GET") {
      const p = mine.find((x) => x.id === decodeURIComponent(lines[1]!));
      if (!p) return send(res, 404, { error: "project not found" });
      return send(res, 200, {
        lines: this.lines
          .filter((l) => l.projectId === p.id)
          .map(({ projectId: _p, ...line }) => line),
      });
    }
    send(res, 404, { error: "not_found" });
  }

  #spectrum(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    projectId: string,
    kind: string,
    itemId: string,
    b: Record<string, unknown>,
  ): void {
    const auth = req.headers.authorization ?? "";
    const decoded = auth.startsWith("Basic ")
      ? Buffer.from(auth.slice(6), "base64").toString("utf8")
      : "";
    const project = this.projects.find(
      (p) => p.spectrumProjectId === projectId || p.id === projectId,
    );
    if (!project || decoded !== `${projectId}:${project.projectSecret}`)
      return send(res, 401, {
        succeed: false,
        code: "unauthorized",
        message: "invalid project credentials",
      });
    const now = new Date(this.#options.now()).toISOString();
    if (kind === "users" && !itemId) {
      if (method === "GET")
        return send(res, 200, {
          succeed: true,
          data: { users: this.users.filter((u) => u.projectId === projectId) },
        });
      if (method === "POST") {
        if (typeof b.phoneNumber !== "string" || !E164.test(b.phoneNumber))
          return send(res, 422, {
            succeed: false,
            code: "validation_error",
            message: "phoneNumber must be E.164",
          });
        if (b.type !== "shared" && b.type !== "dedicated")
          return send(res, 422, {
            succeed: false,
            code: "validation_error",
            message: "type must be shared or dedicated",
          });
        if (b.type === "dedicated" && typeof b.assignedPhoneNumber !== "string")
          return send(res, 422, {
            succeed: false,
            code: "validation_error",
            message: "assignedPhoneNumber is required for dedicated users",
          });
        const existing = this.users.find(
          (u) => u.projectId === projectId && u.phoneNumber === b.phoneNumber,
        );
        if (existing && b.type === "shared")
          return send(res, 200, { succeed: true, data: existing });
        if (existing)
          return send(res, 409, {
            succeed: false,
            code: "conflict",
            message: "user already exists",
          });
        const str = (v: unknown) => (typeof v === "string" ? v : null);
        const user: FakeUser = {
          id: randomUUID(),
          projectId,
          type: b.type,
          firstName: str(b.firstName),
          lastName: str(b.lastName),
          email: str(b.email),
          phoneNumber: b.phoneNumber,
          assignedPhoneNumber:
            str(b.assignedPhoneNumber) ??
            (b.type === "shared" ? (this.#options.sharedLineNumber ?? null) : null),
          createdAt: now,
        };
        this.users.push(user);
        return send(res, 200, { succeed: true, data: user });
      }
    }
    if (kind === "webhooks" && !itemId) {
      if (method === "GET")
        return send(res, 200, {
          succeed: true,
          data: this.webhooks
            .filter((w) => w.projectId === projectId)
            .map(({ signingSecret: _s, projectId: _p, ...w }) => w),
        });
      if (method === "POST") {
        let ok = false;
        try {
          ok = typeof b.webhookUrl === "string" && /^https?:$/.test(new URL(b.webhookUrl).protocol);
        } catch {
          ok = false;
        }
        if (!ok)
          return send(res, 422, {
            succeed: false,
            code: "validation_error",
            message: "webhookUrl must be an http(s) URL",
          });
        if (this.webhooks.some((w) => w.projectId === projectId && w.webhookUrl === b.webhookUrl))
          return send(res, 409, {
            succeed: false,
            code: "conflict",
            message: "webhook URL already registered",
          });
        const hook: FakeWebhook = {
          id: randomUUID(),
          projectId,
          webhookUrl: b.webhookUrl as string,
          signingSecret: randomBytes(32).toString("hex"),
          createdAt: now,
          updatedAt: now,
        };
        this.webhooks.push(hook);
        const { projectId: _p, updatedAt: _u, ...shown } = hook;
        return send(res, 200, { succeed: true, data: shown });
      }
    }
    if (kind === "webhooks" && itemId && method === "DELETE") {
      const i = this.webhooks.findIndex((w) => w.projectId === projectId && w.id === itemId);
      if (i < 0)
        return send(res, 404, { succeed: false, code: "not_found", message: "webhook not found" });
      this.webhooks.splice(i, 1);
      res.writeHead(204).end();
      return;
    }
    send(res, 404, { succeed: false, code: "not_found", message: "not found" });
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { "content-type": "application/json", ...headers })
    .end(JSON.stringify(body));
}
