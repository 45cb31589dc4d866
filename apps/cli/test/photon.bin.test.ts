// The built `hermes photon …` against FakePhotonServer on loopback, temp HERMES_HOME.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { FakePhotonServer } from "@hermes/photon-api/testing";
import { SpectrumFake } from "@hermes/photon-channel/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useTempHome } from "./support/temp-home.js";
import { type BinResult, expectNoSecrets, runBin } from "./support/bin.js";

const home = useTempHome("hermes-photon-");

let fake: FakePhotonServer;

beforeEach(async () => {
  fake = await new FakePhotonServer().start();
});
afterEach(async () => {
  await fake.stop();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    HERMES_HOME: home(),
    PHOTON_DASHBOARD_HOST: fake.baseUrl,
    PHOTON_SPECTRUM_HOST: fake.baseUrl,
    ...extra,
  };
}

/** Every secret the fake has handed out or accepted so far. */
function secrets(): string[] {
  return [
    ...fake.tokens.keys(),
    ...fake.projects.map((p) => p.projectSecret),
    ...fake.webhooks.map((w) => w.signingSecret),
  ];
}

async function hermes(args: string[], extra: Record<string, string> = {}): Promise<BinResult> {
  const r = await runBin(args, { env: env(extra) });
  expectNoSecrets(r, secrets());
  return r;
}

async function auth(): Promise<{
  credential_pool?: Record<string, Array<Record<string, unknown>>>;
}> {
  return JSON.parse(await readFile(join(home(), "auth.json"), "utf8"));
}

const count = (path: string, method = "POST") =>
  fake.requests.filter((r) => r.method === method && r.path.startsWith(path)).length;

describe("hermes photon (built bin, FakePhotonServer)", () => {
  it("login --no-browser: shows the code in a box, stores a validated token in auth.json (0600)", async () => {
    const r = await hermes(["photon", "login", "--no-browser"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/┌─+┐/);
    expect(r.stderr).toMatch(/Code: {2}\S+/);
    expect(r.stderr).toContain("Logged in to Photon as owner@example.com; token stored in");
    expect(r.stderr).not.toContain("Opened your browser");
    const pool = (await auth()).credential_pool?.photon;
    expect(pool).toHaveLength(1);
    expect(fake.tokens.has(String(pool?.[0]?.access_token))).toBe(true);
    expect((await stat(join(home(), "auth.json"))).mode & 0o777).toBe(0o600);
  });

  it("login: a denied request exits 1 with the reason and stores nothing", async () => {
    fake.scriptDeviceCode({ outcome: "deny" });
    const r = await hermes(["photon", "login", "--no-browser"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("✗ Photon login failed: access_denied");
    await expect(stat(join(home(), "auth.json"))).rejects.toThrow();
  });

  it("setup: first run creates everything; second run changes nothing and rotates nothing", async () => {
    const args = [
      "photon",
      "setup",
      "--no-browser",
      "--no-check",
      "--phone",
      "+15551234567",
      "--first-name",
      "Ada",
      "--webhook-url",
      "https://hooks.example/photon",
    ];
    const first = await hermes(args);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("No Photon login stored; logging in.");
    expect(first.stdout).toContain(" device token : ✓ stored");
    expect(first.stdout).toContain(` project id   : ${fake.projects[0]?.spectrumProjectId}`);
    expect(first.stdout).toContain(" project key  : ✓ stored");
    expect(first.stdout).toContain(" webhook key  : ✓ set");
    expect(fake.projects).toHaveLength(1);
    expect(fake.users.map((u) => u.phoneNumber)).toEqual(["+15551234567"]);
    expect(fake.webhooks.map((w) => w.webhookUrl)).toEqual(["https://hooks.example/photon"]);
    const project = (await auth()).credential_pool?.photon_project?.[0];
    expect(project).toMatchObject({
      project_id: fake.projects[0]?.spectrumProjectId,
      project_secret: fake.projects[0]?.projectSecret,
    });
    const dotenv = await readFile(join(home(), ".env"), "utf8");
    expect(dotenv).toBe(
      `PHOTON_ENABLED=1\nPHOTON_ALLOWED_USERS=+15551234567\nPHOTON_WEBHOOK_SECRET=${fake.webhooks[0]?.signingSecret}\n`,
    );
    expect((await stat(join(home(), ".env"))).mode & 0o777).toBe(0o600);

    const secretBefore = fake.projects[0]?.projectSecret;
    const deviceCodesBefore = count("/api/auth/device/code");
    const second = await hermes(args);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("✓ Photon login is valid");
    expect(second.stderr).toContain("still works (not rotated)");
    expect(second.stderr).toContain("already registered");
    expect(count("/api/auth/device/code")).toBe(deviceCodesBefore);
    expect(count("/api/projects/", "POST")).toBe(1);
    expect(fake.projects[0]?.projectSecret).toBe(secretBefore);
    expect(fake.projects).toHaveLength(1);
    expect(fake.users).toHaveLength(1);
    expect(fake.webhooks).toHaveLength(1);
    expect(await readFile(join(home(), ".env"), "utf8")).toBe(dotenv);
  });

  it("setup: a stale stored token leads to a re-login (said so); an existing project is adopted by name", async () => {
    fake.addToken("owner-token");
    const existing = fake.addProject("owner-token", "Hermes");
    await writeFile(
      join(home(), "auth.json"),
      JSON.stringify({
        credential_pool: { photon: [{ access_token: "stale-token-123" }] },
        other_tool: { keep: true },
      }),
    );
    fake.scriptDeviceCode({ outcome: { approve: { token: "owner-token" } } });
    const r = await hermes(
      [
        "photon",
        "setup",
        "--no-browser",
        "--no-check",
        "--phone",
        "+15551234567",
        "--project-name",
        "hermes",
      ],
      { EXTRA: "stale-token-123" },
    );
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain("stale-token-123");
    expect(r.stderr).toContain(
      "⚠ The stored Photon login was rejected (expired or revoked); logging in again.",
    );
    expect(r.stderr).toContain('Adopting existing project "Hermes"');
    expect(fake.projects).toHaveLength(1);
    const stored = await auth();
    expect(stored.credential_pool?.photon_project?.[0]).toMatchObject({
      project_id: existing.spectrumProjectId,
      project_secret: fake.projects[0]?.projectSecret,
    });
    expect((stored as Record<string, unknown>).other_tool).toEqual({ keep: true });
  });

  it("setup: local checks fail before any request (exit 2), and no prompt without a terminal", async () => {
    const before = fake.requests.length;
    const noPhone = await hermes(["photon", "setup", "--no-browser", "--no-check"]);
    expect(noPhone.code).toBe(2);
    expect(noPhone.stderr).toContain("✗ No phone number. Pass --phone");
    const bad = await hermes(["photon", "setup", "--phone", "555-1234"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("country code");
    expect(fake.requests.length).toBe(before);
  });

  it("status --json after setup; webhook register / list / delete", async () => {
    expect(
      (await hermes(["photon", "setup", "--no-browser", "--no-check", "--phone", "+15551234567"]))
        .code,
    ).toBe(0);
    const s = await hermes(["photon", "status", "--json"]);
    expect(JSON.parse(s.stdout)).toMatchObject({
      deviceToken: true,
      projectKey: true,
      webhookKey: false,
      projectId: fake.projects[0]?.spectrumProjectId,
    });

    const reg = await hermes(["photon", "webhook", "register", "https://hooks.example/a"]);
    expect(reg.code).toBe(0);
    expect(reg.stdout).toContain("✓ Registered webhook https://hooks.example/a");
    expect(reg.stdout).toContain("PHOTON_WEBHOOK_SECRET=<hidden>");
    expect(await readFile(join(home(), ".env"), "utf8")).toContain(
      `PHOTON_WEBHOOK_SECRET=${fake.webhooks[0]?.signingSecret}`,
    );

    const second = await hermes(["photon", "webhook", "register", "https://hooks.example/b"]);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(
      "⚠ PHOTON_WEBHOOK_SECRET held another webhook's signing secret",
    );
    expect(await readFile(join(home(), ".env"), "utf8")).toBe(
      `PHOTON_ENABLED=1\nPHOTON_ALLOWED_USERS=+15551234567\nPHOTON_WEBHOOK_SECRET=${fake.webhooks[1]?.signingSecret}\n`,
    );
    expect(
      (await hermes(["photon", "webhook", "delete", fake.webhooks[1]!.id, "--yes"])).code,
    ).toBe(0);

    const dup = await hermes(["photon", "webhook", "register", "https://hooks.example/a"]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/^✗ /);

    const list = await hermes(["photon", "webhook", "list", "--json"]);
    const hooks = JSON.parse(list.stdout) as Array<{ id: string; webhookUrl: string }>;
    expect(hooks.map((h) => h.webhookUrl)).toEqual(["https://hooks.example/a"]);
    const table = await hermes(["photon", "webhook", "list"]);
    expect(table.stdout).toContain(`${hooks[0]?.id}  https://hooks.example/a`);

    const del = await hermes(["photon", "webhook", "delete", hooks[0]!.id, "--yes"]);
    expect(del.code).toBe(0);
    expect(del.stdout).toContain(`✓ Deleted webhook https://hooks.example/a (${hooks[0]?.id})`);
    const again = await hermes(["photon", "webhook", "delete", hooks[0]!.id, "--yes"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("is not registered (already gone)");
    expect(fake.webhooks).toHaveLength(0);
  });

  it("webhook commands without a project, and an unreachable Photon, fail with a next step", async () => {
    const none = await hermes(["photon", "webhook", "list"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("✗ No Photon project credentials stored.");
    expect(none.stderr).toContain("hermes photon setup");
    const down = await runBin(["photon", "login", "--no-browser"], {
      env: env({ PHOTON_DASHBOARD_HOST: "http://127.0.0.1:1" }),
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^✗ /m);
  });

  it("setup against a newer server that answers project creation with {success, id}", async () => {
    await fake.stop();
    fake = await new FakePhotonServer({ createProjectShape: "success-id" }).start();
    const r = await hermes([
      "photon",
      "setup",
      "--no-browser",
      "--no-check",
      "--phone",
      "+15551234567",
    ]);
    expect(r.code).toBe(0);
    const project = (await auth()).credential_pool?.photon_project?.[0];
    expect(project).toMatchObject({
      project_id: fake.projects[0]?.spectrumProjectId,
      project_secret: fake.projects[0]?.projectSecret,
    });
    expect(fake.users).toHaveLength(1);
  });

  it("setup normalizes +1 555 123 4567 to E.164; a re-run without --phone reuses the registered user", async () => {
    const first = await hermes([
      "photon",
      "setup",
      "--no-browser",
      "--no-check",
      "--phone",
      "+1 555 123 4567",
    ]);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("✓ User +15551234567 registered");
    expect(fake.users.map((u) => u.phoneNumber)).toEqual(["+15551234567"]);
    const usersPosted = count("/projects/");
    const again = await hermes(["photon", "setup", "--no-browser", "--no-check"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("✓ Reusing the registered user +15551234567");
    expect(fake.users).toHaveLength(1);
    expect(count("/projects/")).toBe(usersPosted); // no new project, no new user
  });

  it("webhook delete: a wrong id or an unknown URL is an error; by URL with --yes; no terminal and no --yes: refused; --json", async () => {
    expect(
      (await hermes(["photon", "setup", "--no-browser", "--no-check", "--phone", "+15551234567"]))
        .code,
    ).toBe(0);
    expect((await hermes(["photon", "webhook", "register", "https://hooks.example/a"])).code).toBe(
      0,
    );
    const before = fake.requests.length;
    const wrong = await hermes(["photon", "webhook", "delete", "not-a-uuid"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('✗ Not a webhook id or URL: "not-a-uuid".');
    expect(wrong.stderr).not.toContain("already gone");
    expect(fake.requests.length).toBe(before); // refused before any request
    const unknownUrl = await hermes(["photon", "webhook", "delete", "https://hooks.example/nope"]);
    expect(unknownUrl.code).toBe(1);
    expect(unknownUrl.stderr).toContain(
      "✗ No webhook is registered for https://hooks.example/nope; nothing was deleted.",
    );
    const unconfirmed = await hermes(["photon", "webhook", "delete", "https://hooks.example/a"]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain("Pass --yes to confirm (no terminal to ask on).");
    expect(fake.webhooks).toHaveLength(1);
    const id = fake.webhooks[0]!.id;
    const del = await hermes([
      "photon",
      "webhook",
      "delete",
      "https://hooks.example/a",
      "--yes",
      "--json",
    ]);
    expect(del.code).toBe(0);
    expect(JSON.parse(del.stdout)).toEqual({
      deleted: true,
      id,
      webhookUrl: "https://hooks.example/a",
    });
    expect(fake.webhooks).toHaveLength(0);
  });

  it("login prints the account; status --check validates token and project with Photon; logout removes only the login", async () => {
    await writeFile(
      join(home(), "auth.json"),
      JSON.stringify({ credential_pool: { nous: [{ access_token: "nous-keep" }] } }),
    );
    expect(
      (await hermes(["photon", "setup", "--no-browser", "--no-check", "--phone", "+15551234567"]))
        .stderr,
    ).toContain("Logged in to Photon as owner@example.com");
    const ok = await hermes(["photon", "status", "--check"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(" device token : ✓ valid (owner@example.com)");
    expect(ok.stdout).toContain(" project      : ✓ credentials accepted");
    const json = await hermes(["photon", "status", "--check", "--json"]);
    expect(JSON.parse(json.stdout).check).toEqual({
      token: { state: "valid", account: "owner@example.com" },
      project: { state: "valid" },
    });

    const out = await hermes(["photon", "logout"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("✓ Logged out of Photon");
    const after = await auth();
    expect(after.credential_pool?.photon).toBeUndefined();
    expect(after.credential_pool?.photon_project?.[0]).toMatchObject({
      project_id: fake.projects[0]?.spectrumProjectId,
    });
    expect(after.credential_pool?.nous).toEqual([{ access_token: "nous-keep" }]);
    const missing = await hermes(["photon", "status", "--check"]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(" device token : ✗ none stored");
    expect(missing.stdout).toContain(" project      : ✓ credentials accepted");
    expect((await hermes(["photon", "logout"])).stdout).toContain(
      "Not logged in to Photon; nothing to remove.",
    );
  });

  it("login with stdout piped never starts a browser, even with BROWSER set", async () => {
    const marker = join(home(), "browser-was-started");
    const browser = join(home(), "fake-browser.sh");
    await writeFile(browser, `#!/bin/sh\necho "$1" > "${marker}"\n`, { mode: 0o755 });
    const r = await hermes(["photon", "login"], { BROWSER: browser });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("Opened your browser");
    await expect(stat(marker)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("an unreachable Photon names the host and the cause", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const down = await runBin(["photon", "login", "--no-browser"], {
      env: env({ PHOTON_DASHBOARD_HOST: `http://127.0.0.1:${port}` }),
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`could not reach Photon at 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(down.stderr).not.toContain("TypeError");
  });

  describe("setup finishes the job: the number to text, and a connection check against Spectrum", () => {
    let spectrum: SpectrumFake | null = null;
    let caDir = "";
    afterEach(async () => {
      await spectrum?.close();
      spectrum = null;
      await rm(caDir, { recursive: true, force: true });
    });

    /** Photon's dashboard fake and a SpectrumFake that know the same project id and secret. */
    async function fakes(
      options: {
        sharedLineNumber?: string;
        dedicatedLine?: { instanceId: string; phone: string };
      } = {},
    ): Promise<Record<string, string>> {
      spectrum = await SpectrumFake.start({
        heartbeatIntervalMs: 200,
        ...(options.dedicatedLine ? { dedicatedLine: options.dedicatedLine } : {}),
      });
      await fake.stop();
      fake = await new FakePhotonServer({
        spectrumProject: { id: spectrum.projectId, secret: spectrum.projectSecret },
        sharedLineNumber: options.sharedLineNumber,
      }).start();
      caDir = await mkdtemp(join(tmpdir(), "hermes-spectrum-ca-"));
      // What a user's environment would carry to reach this Photon instead of the real one.
      const sdkEnv = spectrum.sdkEnvironment(await spectrum.writeCaFile(caDir));
      if (options.dedicatedLine)
        sdkEnv["PHOTON_DEDICATED_LINE_ADDRESS"] = spectrum.dedicatedLineAddress;
      return sdkEnv;
    }

    async function setup(sdkEnv: Record<string, string>): Promise<BinResult> {
      // Loading the SDK takes seconds on a loaded machine: a hang guard only.
      const r = await runBin(["photon", "setup", "--no-browser", "--phone", "+15551234567"], {
        env: env(sdkEnv),
        timeoutMs: 120_000,
      });
      expectNoSecrets(r, [...secrets(), spectrum?.projectSecret ?? ""]);
      return r;
    }

    const tokensIssued = () =>
      spectrum?.controlRequests.filter(
        (c) => c.path.endsWith("/imessage/tokens") && c.status === 200,
      ).length ?? 0;

    it(
      "prints the number assigned to the user and checks the shared line (✓)",
      { timeout: 180_000 },
      async () => {
        const r = await setup(await fakes({ sharedLineNumber: "+14155550100" }));
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("📱 Your agent's iMessage number: +14155550100");
        expect(r.stdout).toContain("Text it from +15551234567 to talk to your agent");
        expect(r.stdout).toContain(
          "✓ iMessage connection: token issued, subscribed to the shared line",
        );
        expect(tokensIssued()).toBe(1);
        // Upstream's current project-creation body.
        expect(
          fake.requests.find((q) => q.method === "POST" && q.path === "/api/projects/")?.body,
        ).toEqual({
          name: "hermes",
          location: "United States",
          template: false,
          observability: false,
        });
      },
    );

    it(
      "a dedicated line: the number from the project's lines, the check on that line (✓)",
      { timeout: 180_000 },
      async () => {
        const sdkEnv = await fakes({
          dedicatedLine: { instanceId: "inst-cli", phone: "+14155550199" },
        });
        fake.addLine(spectrum!.projectId, "+14155550199");
        const r = await setup(sdkEnv);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("📱 Your agent's iMessage number: +14155550199");
        expect(r.stdout).toContain(
          "✓ iMessage connection: token issued, subscribed to the dedicated line(s) inst-cli (+14155550199)",
        );
      },
    );

    it(
      "a check Photon refuses: ✗ with the fix, exit 1, the credentials written are kept",
      { timeout: 180_000 },
      async () => {
        const sdkEnv = await fakes();
        // Spectrum no longer accepts the secret the dashboard handed out (rotated elsewhere).
        await fake.stop();
        fake = await new FakePhotonServer({
          spectrumProject: { id: spectrum!.projectId, secret: "rotated-elsewhere" },
        }).start();
        const r = await setup(sdkEnv);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(
          "✗ iMessage connection check failed while issuing tokens: auth_or_config.",
        );
        expect(r.stderr).toContain("run `hermes photon setup` again");
        expect(r.stderr).toContain("--no-check");
        expect(r.stdout).toContain("📱 No iMessage number is assigned yet");
        expect((await auth()).credential_pool?.photon_project?.[0]).toMatchObject({
          project_id: spectrum!.projectId,
          project_secret: "rotated-elsewhere",
        });
        expect(await readFile(join(home(), ".env"), "utf8")).toContain("PHOTON_ENABLED=1");
      },
    );
  });
});
