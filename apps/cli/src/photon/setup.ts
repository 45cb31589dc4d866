// `hermes photon setup`: idempotent. Re-login only when the stored token is missing or
// rejected; reuse a working project, else adopt one by name, else create it; never rotate a
// project secret that still works; register the user (idempotent by phone), or reuse the one
// already registered when no --phone is given; optionally register the webhook and store its
// signing secret once, warning before a stored secret is replaced; print the iMessage number to
// text; finish with the status table, then check that the gateway's channel can connect (unless
// --no-check): a failed check exits non-zero and says what to fix, keeping what was written.
import { E164 } from "@hermes/photon-api";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import type { CliContext } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { Output } from "../ui/output.js";
import { deviceLogin } from "./login.js";
import type {
  ConnectionChecker,
  ConnectionCheckResult,
  PhotonApi,
  PhotonStore,
  PhotonUser,
  ProjectCredentials,
} from "./ports.js";
import { photonSummary, printSummary } from "./status.js";

export interface SetupOptions {
  projectName?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  webhookUrl?: string;
  browser?: boolean;
  /** `--no-check` sets it false: skip the connection check. */
  check?: boolean;
}

export const DEFAULT_PROJECT_NAME = "hermes";

/**
 * A phone number as typed (`+1 555 123 4567`, `+1 (415) 555-2671`, `+15551234567`) in E.164,
 * parsed by libphonenumber-js. It must carry its country code; a number that is possible for
 * that country is accepted (`isPossible`: length and country, not the carrier's allocation,
 * so documentation numbers such as 555 ones pass). Undefined when it is not one.
 */
export function normalizePhone(input: string): string | undefined {
  const parsed = parsePhoneNumberFromString(input.trim());
  if (!parsed || !parsed.isPossible()) return undefined;
  return E164.test(parsed.number) ? parsed.number : undefined;
}

function phoneOrThrow(input: string): string {
  const phone = normalizePhone(input);
  if (phone === undefined) {
    throw new UsageError(
      `--phone must be a phone number with its country code, e.g. +1 555 123 4567 (E.164), got ${JSON.stringify(input.slice(0, 24))}.`,
    );
  }
  return phone;
}

export function checkWebhookUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UsageError(`Not a URL: ${JSON.stringify(raw.slice(0, 80))}.`, [
      "Pass an https:// URL that Photon can reach.",
    ]);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new UsageError("The webhook URL must be http(s).");
  if (url.username || url.password)
    throw new UsageError("The webhook URL must not contain credentials.");
  return url.href;
}

async function ensureToken(
  ctx: CliContext,
  api: PhotonApi,
  store: PhotonStore,
  out: Output,
  browser: boolean | undefined,
): Promise<string> {
  const stored = await store.loadToken();
  if (stored) {
    if ((await api.checkToken(stored, ctx.signal)) === "ok") {
      out.note("✓ Photon login is valid");
      return stored;
    }
    out.warn("The stored Photon login was rejected (expired or revoked); logging in again.");
  } else {
    out.note("No Photon login stored; logging in.");
  }
  await deviceLogin(ctx, api, store, { browser: browser !== false });
  const token = await store.loadToken();
  if (!token)
    throw new CliError("photon-login", "Login finished but no token was stored.", {
      hints: ["Run `hermes photon login` again."],
    });
  return token;
}

async function ensureProject(
  ctx: CliContext,
  api: PhotonApi,
  store: PhotonStore,
  out: Output,
  token: string,
  name: string,
): Promise<ProjectCredentials> {
  const stored = await store.loadProject();
  if (stored.projectId && stored.projectSecret) {
    const creds = { projectId: stored.projectId, projectSecret: stored.projectSecret };
    if (await api.credentialsWork(creds, ctx.signal)) {
      out.note(`✓ Reusing project ${stored.projectId}; its secret still works (not rotated)`);
      return creds;
    }
    if (stored.fromEnv) {
      throw new CliError(
        "photon-project-env",
        "Photon rejects the project credentials from PHOTON_PROJECT_ID / PHOTON_PROJECT_SECRET.",
        {
          hints: ["Fix or unset those variables, then run `hermes photon setup` again."],
        },
      );
    }
    out.warn(`Photon rejects the stored secret of project ${stored.projectId}; issuing a new one.`);
  }
  const projects = await api.listProjects(token, ctx.signal);
  const match =
    (stored.projectId &&
      projects.find(
        (p) => p.spectrumProjectId === stored.projectId || p.id === stored.dashboardId,
      )) ||
    projects.find((p) => p.name.toLowerCase() === name.toLowerCase());
  if (match) {
    if (!(stored.projectId && stored.projectSecret)) {
      out.note(
        `Adopting existing project "${match.name}" instead of creating a duplicate; issuing a project secret for this machine.`,
      );
    }
    const projectSecret = await api.regenerateSecret(token, match.id, ctx.signal);
    const creds = { projectId: match.spectrumProjectId ?? match.id, projectSecret };
    await store.saveProject(creds, { dashboardId: match.id, name: match.name });
    return creds;
  }
  const created = await api.createProject(token, name, ctx.signal);
  const projectSecret =
    created.projectSecret ?? (await api.regenerateSecret(token, created.project.id, ctx.signal));
  const creds = {
    projectId: created.project.spectrumProjectId ?? created.project.id,
    projectSecret,
  };
  await store.saveProject(creds, { dashboardId: created.project.id, name: created.project.name });
  out.note(`✓ Created project "${created.project.name}" (${creds.projectId})`);
  return creds;
}

async function ensureWebhook(
  ctx: CliContext,
  api: PhotonApi,
  store: PhotonStore,
  out: Output,
  creds: ProjectCredentials,
  url: string,
): Promise<void> {
  const existing = (await api.listWebhooks(creds, ctx.signal)).find((w) => w.webhookUrl === url);
  const secretStored = await store.webhookSecretSet();
  if (existing && secretStored) {
    out.note(`✓ Webhook ${url} already registered (${existing.id}); signing secret already stored`);
    return;
  }
  if (existing) {
    // Photon shows a signing secret only once, at registration: re-register to get one.
    out.warn(
      `Webhook ${url} is registered but its signing secret is not stored here; re-registering it gives it a new signing secret (a receiver elsewhere still verifying with the old one must be updated).`,
    );
    await api.deleteWebhook(creds, existing.id, ctx.signal);
  } else if (secretStored) {
    out.warn(
      `PHOTON_WEBHOOK_SECRET in ${store.envPath} holds another webhook's signing secret; it is replaced by this one's (deliveries signed for the other webhook will no longer verify here).`,
    );
  }
  const hook = await api.registerWebhook(creds, url, ctx.signal);
  await store.saveWebhookSecret(hook.signingSecret);
  out.note(
    `✓ Registered webhook ${hook.webhookUrl} (${hook.id}); signing secret saved to ${store.envPath}`,
  );
}

/**
 * Registers `phone` (idempotent by phone), or with none given reuses the users already
 * registered; resolves with the user (its phone and assigned number when known).
 */
async function ensureUser(
  ctx: CliContext,
  api: PhotonApi,
  out: Output,
  creds: ProjectCredentials,
  phone: string | undefined,
  opts: SetupOptions,
): Promise<PhotonUser | undefined> {
  if (phone === undefined) {
    const users = await api.listUsers(creds, ctx.signal);
    const first = users[0];
    if (first) {
      const more = users.length > 1 ? ` and ${users.length - 1} more` : "";
      out.note(
        `✓ Reusing the registered user ${first.phoneNumber ?? first.id} (${first.id})${more}; pass --phone to add another`,
      );
      return first;
    }
    if (!ctx.stdinIsTTY) throw new UsageError(NO_PHONE);
    phone = phoneOrThrow(
      await ctx.prompt("Your phone number (with country code, e.g. +1 555 123 4567): "),
    );
  }
  const user = await api.createUser(
    creds,
    { phoneNumber: phone, firstName: opts.firstName, lastName: opts.lastName, email: opts.email },
    ctx.signal,
  );
  out.note(`✓ User ${phone} registered (${user.id})`);
  return { ...user, phoneNumber: user.phoneNumber ?? phone };
}

/**
 * The number to text the agent: the user's assigned line (shared-number plans), else the
 * project's first iMessage line in the dashboard's inventory (dedicated numbers), as upstream.
 */
async function agentNumber(
  ctx: CliContext,
  api: PhotonApi,
  out: Output,
  token: string,
  dashboardId: string,
  user: PhotonUser | undefined,
): Promise<string | undefined> {
  if (user?.assignedPhoneNumber) return user.assignedPhoneNumber;
  try {
    const lines = await api.listLines(token, dashboardId, ctx.signal);
    const line = lines.find((l) => (l.platform ?? "imessage").toLowerCase() === "imessage");
    return line?.phoneNumber ?? undefined;
  } catch (error) {
    if (error instanceof CliError && error.code === "cancelled") throw error;
    out.warn("Could not read the project's lines from Photon; the dashboard shows the number.");
    return undefined;
  }
}

/** What to do about each way the connection check can fail. */
const CHECK_FIXES: Record<string, string> = {
  auth_or_config:
    "Photon refused the project credentials: run `hermes photon setup` again (a secret Photon rejects is replaced).",
  rate_limited: "Photon is rate-limiting this project: wait a minute, then run the setup again.",
  target_not_allowed:
    "Photon refused the subscription for this project: check the project's iMessage line in the Photon dashboard.",
  no_lines:
    "Photon lists no iMessage line with a number for this project: check the Photon dashboard.",
  sdk_unavailable:
    "The iMessage SDK (spectrum-ts) could not be loaded: reinstall @hermes/cli (npm install -g @hermes/cli).",
  timeout:
    "Photon did not answer in time: check this machine's connection to Photon (network, proxy, firewall; gRPC over TLS on port 443) and retry.",
  upstream_transient:
    "Photon could not be reached: check this machine's connection to Photon (network, proxy, firewall; gRPC over TLS on port 443) and retry.",
};

function checkFailure(result: Extract<ConnectionCheckResult, { ok: false }>): CliError {
  const where = result.line && result.line !== "shared" ? ` (line ${result.line})` : "";
  return new CliError(
    "photon-check",
    `iMessage connection check failed while ${result.step}${where}: ${result.failure}.`,
    {
      hints: [
        CHECK_FIXES[result.failure] ?? CHECK_FIXES["upstream_transient"]!,
        "The credentials and settings written above are kept; `hermes photon setup --no-check` skips this check.",
      ],
    },
  );
}

const NO_PHONE = "No phone number. Pass --phone +<country code><number> (e.g. +1 555 123 4567).";

export async function photonSetup(
  ctx: CliContext,
  api: PhotonApi,
  store: PhotonStore,
  opts: SetupOptions,
  checkConnection: ConnectionChecker = async (creds) =>
    (await import("./connection-check.js")).checkImessageConnection(ctx, creds),
): Promise<void> {
  const out = new Output(ctx);
  // Every local check before any request. Without --phone a stored project's registered user
  // is reused (looked up once the project is known); on a first run the phone is needed now.
  const stored = await store.loadProject();
  const firstRun = !(stored.projectId && stored.projectSecret);
  let phone = opts.phone?.trim() ? phoneOrThrow(opts.phone) : undefined;
  if (phone === undefined && firstRun) {
    if (!ctx.stdinIsTTY) throw new UsageError(NO_PHONE);
    phone = phoneOrThrow(
      await ctx.prompt("Your phone number (with country code, e.g. +1 555 123 4567): "),
    );
  }
  if (opts.email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(opts.email))
    throw new UsageError("--email is not an email address.");
  const webhookUrl = opts.webhookUrl === undefined ? undefined : checkWebhookUrl(opts.webhookUrl);
  const name = opts.projectName?.trim() || DEFAULT_PROJECT_NAME;

  const token = await ensureToken(ctx, api, store, out, opts.browser);
  const creds = await ensureProject(ctx, api, store, out, token, name);
  // What `hermes-gateway run` needs to talk on iMessage with this user.
  const user = await ensureUser(ctx, api, out, creds, phone, opts);
  const userPhone = user?.phoneNumber;
  if (userPhone !== undefined) {
    const { allowedUsers } = await store.enableImessage(userPhone);
    out.note(
      `✓ iMessage enabled for hermes-gateway run (allowed users: ${allowedUsers.join(", ")}; saved in ${store.envPath})`,
    );
  }
  if (webhookUrl) await ensureWebhook(ctx, api, store, out, creds, webhookUrl);
  const dashboardId = (await store.loadProject()).dashboardId ?? creds.projectId;
  const number = await agentNumber(ctx, api, out, token, dashboardId, user);
  out.line();
  if (number) {
    out.line(`📱 Your agent's iMessage number: ${number}`);
    out.line(
      `   Text it${userPhone ? ` from ${userPhone}` : ""} to talk to your agent (once hermes-gateway run is up).`,
    );
  } else {
    out.line("📱 No iMessage number is assigned yet; the Photon dashboard shows it once it is.");
  }
  out.line();
  printSummary(out, await photonSummary(store));
  if (opts.check === false) return;
  out.note("Checking that iMessage can connect (a token, then a subscription's first heartbeat)…");
  const result = await checkConnection(creds);
  if (!result.ok) throw checkFailure(result);
  const lines = result.lines.map((l) => (l.phone ? `${l.line} (${l.phone})` : l.line)).join(", ");
  out.line();
  out.success(
    `iMessage connection: token issued, subscribed to ${result.lineKind === "shared" ? "the shared line" : `the dedicated line(s) ${lines}`}`,
  );
}
