// In-memory PhotonApi + PhotonStore for in-process tests of the photon command logic.
import type {
  DashboardProject,
  PhotonApi,
  PhotonStore,
  ProjectCredentials,
  StoredProject,
  WebhookInfo,
} from "../../src/photon/ports.js";

export class MemoryPhoton implements PhotonApi {
  readonly dashboardHost = "https://dash.test";
  readonly spectrumHost = "https://spectrum.test";
  calls: string[] = [];
  validTokens = new Set<string>();
  projects: Array<DashboardProject & { secret: string }> = [];
  users = new Map<string, { id: string; phoneNumber: string }>();
  webhooks: Array<WebhookInfo & { secret: string }> = [];
  nextToken = "TOKEN-NEW";
  /** The number new users are assigned (`assignedPhoneNumber`); none by default. */
  assignedNumber: string | undefined;
  pendingPolls = 0;
  #n = 0;

  async startLogin() {
    this.calls.push("startLogin");
    return {
      userCode: "WDJB-MJHT",
      verificationUri: "https://dash.test/device",
      verificationUriComplete: "https://dash.test/device?user_code=WDJB-MJHT",
      expiresIn: 900,
      complete: async (opts: { signal: AbortSignal }) => {
        for (let i = 0; i < this.pendingPolls; i++) {
          await new Promise((r) => setTimeout(r, 5));
          if (opts.signal.aborted) throw new Error("aborted");
        }
        this.calls.push("completeLogin");
        this.validTokens.add(this.nextToken);
        return { token: this.nextToken, account: "ada@example.com" };
      },
    };
  }
  async checkToken(token: string) {
    this.calls.push("checkToken");
    return this.validTokens.has(token) ? ("ok" as const) : ("rejected" as const);
  }
  async whoAmI(token: string) {
    this.calls.push("whoAmI");
    return this.validTokens.has(token) ? { account: "ada@example.com" } : null;
  }
  async listLines() {
    this.calls.push("listLines");
    return [];
  }
  async listUsers() {
    this.calls.push("listUsers");
    return [...this.users.values()];
  }
  async listProjects() {
    this.calls.push("listProjects");
    return this.projects.map(({ secret: _s, ...p }) => p);
  }
  async createProject(_t: string, name: string) {
    this.calls.push(`createProject:${name}`);
    const id = `dash-${++this.#n}`;
    const p = {
      id,
      name,
      spectrumProjectId: `spec-${this.#n}`,
      secret: `PROJECT-SECRET-${this.#n}`,
    };
    this.projects.push(p);
    return {
      project: { id, name, spectrumProjectId: p.spectrumProjectId },
      projectSecret: p.secret,
    };
  }
  async regenerateSecret(_t: string, id: string) {
    this.calls.push(`regenerate:${id}`);
    const p = this.projects.find((x) => x.id === id);
    if (!p) throw new Error("no such project");
    p.secret = `PROJECT-SECRET-R${++this.#n}`;
    return p.secret;
  }
  async credentialsWork(c: ProjectCredentials) {
    this.calls.push("credentialsWork");
    return this.projects.some(
      (p) => p.spectrumProjectId === c.projectId && p.secret === c.projectSecret,
    );
  }
  async createUser(_c: ProjectCredentials, u: { phoneNumber: string }) {
    this.calls.push(`createUser:${u.phoneNumber}`);
    const existing = this.users.get(u.phoneNumber);
    if (existing) return existing;
    const user = {
      id: `user-${++this.#n}`,
      phoneNumber: u.phoneNumber,
      assignedPhoneNumber: this.assignedNumber,
    };
    this.users.set(u.phoneNumber, user);
    return user;
  }
  async registerWebhook(_c: ProjectCredentials, url: string) {
    this.calls.push(`registerWebhook:${url}`);
    const hook = { id: `wh-${++this.#n}`, webhookUrl: url, secret: `WEBHOOK-SECRET-${this.#n}` };
    this.webhooks.push(hook);
    return { id: hook.id, webhookUrl: url, signingSecret: hook.secret };
  }
  async listWebhooks() {
    this.calls.push("listWebhooks");
    return this.webhooks.map(({ secret: _s, ...w }) => w);
  }
  async deleteWebhook(_c: ProjectCredentials, id: string) {
    this.calls.push(`deleteWebhook:${id}`);
    const i = this.webhooks.findIndex((w) => w.id === id);
    if (i < 0) return "absent" as const;
    this.webhooks.splice(i, 1);
    return "deleted" as const;
  }
}

export class MemoryStore implements PhotonStore {
  readonly envPath = "/home/t/.hermes/.env";
  readonly authPath = "/home/t/.hermes/auth.json";
  token: string | undefined;
  project: StoredProject = { fromEnv: false };
  webhookSecret: string | undefined;
  async loadToken() {
    return this.token;
  }
  async saveToken(t: string) {
    this.token = t;
  }
  async clearToken() {
    this.token = undefined;
  }
  async loadProject() {
    return this.project;
  }
  async saveProject(c: ProjectCredentials, extra: { dashboardId?: string; name?: string }) {
    this.project = { ...c, ...extra, fromEnv: false };
  }
  async webhookSecretSet() {
    return this.webhookSecret !== undefined;
  }
  async saveWebhookSecret(s: string) {
    this.webhookSecret = s;
  }
  allowedUsers: string[] = [];
  async enableImessage(phone: string) {
    if (!this.allowedUsers.includes(phone)) this.allowedUsers.push(phone);
    return { allowedUsers: this.allowedUsers };
  }
}
