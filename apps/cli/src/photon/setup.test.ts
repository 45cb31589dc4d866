import { describe, expect, it } from "vitest";
import { fakeContext } from "../../test/support/context.js";
import { MemoryPhoton, MemoryStore } from "../../test/support/fake-photon.js";
import { CliError } from "../errors.js";
import type { ConnectionChecker } from "./ports.js";
import { photonSetup } from "./setup.js";

function secretsOf(api: MemoryPhoton, store: MemoryStore): string[] {
  return [
    ...api.validTokens,
    ...api.projects.map((p) => p.secret),
    ...api.webhooks.map((w) => w.secret),
    store.token ?? "",
    store.webhookSecret ?? "",
  ].filter(Boolean);
}

const connected: ConnectionChecker = async () => ({
  ok: true,
  lineKind: "shared",
  lines: [{ line: "shared", phone: null }],
});

async function setup(
  api: MemoryPhoton,
  store: MemoryStore,
  opts: Parameters<typeof photonSetup>[3],
  ctxOpts: Parameters<typeof fakeContext>[0] = {},
  check: ConnectionChecker = connected,
) {
  const ctx = fakeContext(ctxOpts);
  const err = await photonSetup(ctx, api, store, opts, check).then(
    () => undefined,
    (e: unknown) => e as CliError,
  );
  const all = ctx.out() + ctx.err();
  for (const s of secretsOf(api, store)) expect(all).not.toContain(s);
  return { ctx, err };
}

describe("photon setup", () => {
  it("first run: logs in, creates the project, registers the user and webhook, prints the table", async () => {
    const api = new MemoryPhoton();
    const store = new MemoryStore();
    const { ctx, err } = await setup(api, store, {
      phone: "+15551234567",
      webhookUrl: "https://hooks.example/photon",
      browser: false,
    });
    expect(err).toBeUndefined();
    expect(api.calls).toEqual([
      "startLogin",
      "completeLogin",
      "listProjects",
      "createProject:hermes",
      "createUser:+15551234567",
      "listWebhooks",
      "registerWebhook:https://hooks.example/photon",
      // No number assigned to the user: the project's line inventory is asked.
      "listLines",
    ]);
    expect(store.token).toBe("TOKEN-NEW");
    expect(store.project).toMatchObject({ projectId: "spec-1", projectSecret: "PROJECT-SECRET-1" });
    expect(store.webhookSecret).toBe(api.webhooks[0]?.secret);
    expect(ctx.err()).toContain("No Photon login stored; logging in.");
    expect(ctx.err()).toContain("Code:  WDJB-MJHT");
    expect(ctx.opened).toEqual([]);
    expect(ctx.out()).toContain(" device token : ✓ stored");
    expect(ctx.out()).toContain(" project id   : spec-1");
    expect(ctx.out()).toContain(" webhook key  : ✓ set");
  });

  it("second run is idempotent: no login, no new project, secret not rotated, webhook kept", async () => {
    const api = new MemoryPhoton();
    const store = new MemoryStore();
    await setup(api, store, {
      phone: "+15551234567",
      webhookUrl: "https://hooks.example/photon",
      browser: false,
    });
    const secretBefore = store.project.projectSecret;
    api.calls = [];
    const { ctx, err } = await setup(api, store, {
      phone: "+15551234567",
      webhookUrl: "https://hooks.example/photon",
    });
    expect(err).toBeUndefined();
    expect(api.calls).toEqual([
      "checkToken",
      "credentialsWork",
      "createUser:+15551234567",
      "listWebhooks",
      "listLines",
    ]);
    expect(store.project.projectSecret).toBe(secretBefore);
    expect(api.projects).toHaveLength(1);
    expect(api.webhooks).toHaveLength(1);
    expect(api.users.size).toBe(1);
    expect(ctx.err()).toContain("still works (not rotated)");
    expect(ctx.opened).toEqual([]);
  });

  it("a rejected stored token leads to a re-login, said so; the browser opens only on a terminal, unless --no-browser", async () => {
    const api = new MemoryPhoton();
    const store = new MemoryStore();
    store.token = "STALE-TOKEN";
    const { ctx, err } = await setup(api, store, { phone: "+15551234567" }, { stdoutIsTTY: true });
    expect(err).toBeUndefined();
    expect(ctx.err()).toContain(
      "⚠ The stored Photon login was rejected (expired or revoked); logging in again.",
    );
    expect(ctx.opened).toEqual(["https://dash.test/device?user_code=WDJB-MJHT"]);
    expect(store.token).toBe("TOKEN-NEW");
    expect(ctx.err()).toContain("✓ Logged in to Photon as ada@example.com");
    // stdout piped: no browser, whatever --no-browser says.
    store.token = "STALE-AGAIN";
    const piped = await setup(api, store, {});
    expect(piped.err).toBeUndefined();
    expect(piped.ctx.opened).toEqual([]);
    const noBrowser = new MemoryStore();
    const flagged = await setup(
      new MemoryPhoton(),
      noBrowser,
      { phone: "+15551234567", browser: false },
      { stdoutIsTTY: true },
    );
    expect(flagged.ctx.opened).toEqual([]);
  });

  it("normalizes the phone (+1 555 123 4567 → +15551234567); a re-run without --phone reuses the registered user", async () => {
    const api = new MemoryPhoton();
    const store = new MemoryStore();
    expect((await setup(api, store, { phone: " +1 (555) 123-4567 " })).err).toBeUndefined();
    expect([...api.users.keys()]).toEqual(["+15551234567"]);
    api.calls = [];
    const again = await setup(api, store, {});
    expect(again.err).toBeUndefined();
    expect(again.ctx.err()).toContain("✓ Reusing the registered user +15551234567");
    expect(api.calls.filter((c) => c.startsWith("createUser"))).toEqual([]);
    expect(api.users.size).toBe(1);
  });

  it("warns before replacing a stored signing secret with another webhook's", async () => {
    const api = new MemoryPhoton();
    const store = new MemoryStore();
    await setup(api, store, { phone: "+15551234567", webhookUrl: "https://hooks.example/a" });
    const first = store.webhookSecret;
    const { ctx } = await setup(api, store, { webhookUrl: "https://hooks.example/b" });
    expect(ctx.err()).toContain(
      "⚠ PHOTON_WEBHOOK_SECRET in /home/t/.hermes/.env holds another webhook's signing secret; it is replaced by this one's",
    );
    expect(store.webhookSecret).not.toBe(first);
  });

  it("adopts an existing project with the same name instead of creating a duplicate", async () => {
    const api = new MemoryPhoton();
    api.validTokens.add("T");
    api.projects.push({
      id: "dash-9",
      name: "my-bot",
      spectrumProjectId: "spec-9",
      secret: "UNKNOWN-OLD",
    });
    const store = new MemoryStore();
    store.token = "T";
    const { ctx, err } = await setup(api, store, { phone: "+15551234567", projectName: "my-bot" });
    expect(err).toBeUndefined();
    expect(api.calls).toContain("regenerate:dash-9");
    expect(api.calls.some((c) => c.startsWith("createProject"))).toBe(false);
    expect(store.project).toMatchObject({ projectId: "spec-9", dashboardId: "dash-9" });
    expect(ctx.err()).toContain('Adopting existing project "my-bot"');
  });

  it("a stored secret that no longer works is replaced; env credentials that fail are an error", async () => {
    const api = new MemoryPhoton();
    api.validTokens.add("T");
    api.projects.push({
      id: "dash-1",
      name: "hermes",
      spectrumProjectId: "spec-1",
      secret: "CURRENT",
    });
    const store = new MemoryStore();
    store.token = "T";
    store.project = {
      projectId: "spec-1",
      projectSecret: "REVOKED",
      fromEnv: false,
      dashboardId: "dash-1",
    };
    const a = await setup(api, store, { phone: "+15551234567" });
    expect(a.err).toBeUndefined();
    expect(api.calls).toContain("regenerate:dash-1");
    expect(store.project.projectSecret).toBe(api.projects[0]?.secret);

    const envStore = new MemoryStore();
    envStore.token = "T";
    envStore.project = { projectId: "spec-1", projectSecret: "WRONG", fromEnv: true };
    const b = await setup(api, envStore, { phone: "+15551234567" });
    expect(b.err?.code).toBe("photon-project-env");
  });

  it("a registered webhook without a stored secret is re-registered to obtain one", async () => {
    const api = new MemoryPhoton();
    const store = new MemoryStore();
    await setup(api, store, {
      phone: "+15551234567",
      webhookUrl: "https://hooks.example/p",
      browser: false,
    });
    store.webhookSecret = undefined;
    api.calls = [];
    const { err } = await setup(api, store, {
      phone: "+15551234567",
      webhookUrl: "https://hooks.example/p",
    });
    expect(err).toBeUndefined();
    expect(api.calls.slice(-4)).toEqual([
      "listWebhooks",
      expect.stringMatching(/^deleteWebhook:wh-/),
      "registerWebhook:https://hooks.example/p",
      "listLines",
    ]);
    expect(api.webhooks).toHaveLength(1);
    expect(store.webhookSecret).toBe(api.webhooks[0]?.secret);
  });

  it("checks phone, email and webhook URL before any request; no prompt without a terminal", async () => {
    for (const [opts, msg] of [
      [{}, "Pass --phone"],
      [{ phone: "5551234567" }, "country code"],
      [{ phone: "+1 555" }, "country code"],
      [{ phone: "+15551234567", email: "nope" }, "--email"],
      [{ phone: "+15551234567", webhookUrl: "ftp://x" }, "http(s)"],
    ] as const) {
      const api = new MemoryPhoton();
      const { ctx, err } = await setup(api, new MemoryStore(), opts);
      expect(err?.exitCode).toBe(2);
      expect(err?.message).toContain(msg);
      expect(api.calls).toEqual([]);
      expect(ctx.prompts).toEqual([]);
    }
  });

  it("Ctrl-C while waiting for approval cancels cleanly and stores nothing", async () => {
    const api = new MemoryPhoton();
    api.pendingPolls = 1000;
    const store = new MemoryStore();
    const ctx = fakeContext();
    const p = photonSetup(ctx, api, store, { phone: "+15551234567", browser: false });
    setTimeout(() => ctx.abort(), 20);
    const err = (await p.catch((e: unknown) => e)) as CliError;
    expect(err.code).toBe("cancelled");
    expect(err.exitCode).toBe(130);
    expect(err.message).toBe("Login cancelled; nothing was stored.");
    expect(store.token).toBeUndefined();
  });

  it("prints the number assigned to the user, then checks the connection", async () => {
    const api = new MemoryPhoton();
    api.assignedNumber = "+14155550100";
    const store = new MemoryStore();
    const checked: string[] = [];
    const { ctx, err } = await setup(
      api,
      store,
      { phone: "+15551234567", browser: false },
      {},
      async (creds) => {
        checked.push(creds.projectId);
        return { ok: true, lineKind: "shared", lines: [{ line: "shared", phone: null }] };
      },
    );
    expect(err).toBeUndefined();
    expect(api.calls).not.toContain("listLines");
    expect(ctx.out()).toContain("📱 Your agent's iMessage number: +14155550100");
    expect(ctx.out()).toContain("Text it from +15551234567 to talk to your agent");
    expect(checked).toEqual(["spec-1"]);
    expect(ctx.out()).toContain(
      "✓ iMessage connection: token issued, subscribed to the shared line",
    );
  });

  it("a failed check is a ✗ with the fix and a non-zero exit; what was written is kept; --no-check skips it", async () => {
    const api = new MemoryPhoton();
    const store = new MemoryStore();
    const refused: ConnectionChecker = async () => ({
      ok: false,
      step: "subscribing",
      failure: "auth_or_config",
      line: "shared",
    });
    const { err } = await setup(api, store, { phone: "+15551234567", browser: false }, {}, refused);
    expect(err).toBeInstanceOf(CliError);
    expect(err?.code).toBe("photon-check");
    expect(err?.exitCode).not.toBe(0);
    expect(err?.message).toBe(
      "iMessage connection check failed while subscribing: auth_or_config.",
    );
    expect(err?.hints.join("\n")).toContain("run `hermes photon setup` again");
    expect(store.project).toMatchObject({ projectId: "spec-1" });
    expect(store.allowedUsers).toEqual(["+15551234567"]);
    const skipped = await setup(api, store, { browser: false, check: false }, {}, refused);
    expect(skipped.err).toBeUndefined();
  });
});
