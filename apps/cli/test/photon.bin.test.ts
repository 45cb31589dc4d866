// The built `hermes photon …` against FakePhotonServer on loopback, temp HERMES_HOME.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakePhotonServer } from "@hermes/photon-api/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BinResult, expectNoSecrets, runBin } from "./support/bin.js";

let home: string;
let fake: FakePhotonServer;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "hermes-photon-"));
  fake = await new FakePhotonServer().start();
});
afterEach(async () => {
  await fake.stop();
  await rm(home, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { HERMES_HOME: home, PHOTON_DASHBOARD_HOST: fake.baseUrl, PHOTON_SPECTRUM_HOST: fake.baseUrl, ...extra };
}

/** Every secret the fake has handed out or accepted so far. */
function secrets(): string[] {
  return [...fake.tokens.keys(), ...fake.projects.map((p) => p.projectSecret), ...fake.webhooks.map((w) => w.signingSecret)];
}

async function hermes(args: string[], extra: Record<string, string> = {}): Promise<BinResult> {
  const r = await runBin(args, { env: env(extra) });
  expectNoSecrets(r, secrets());
  return r;
}

async function auth(): Promise<{ credential_pool?: Record<string, Array<Record<string, unknown>>> }> {
  return JSON.parse(await readFile(join(home, "auth.json"), "utf8"));
}

const count = (path: string, method = "POST") => fake.requests.filter((r) => r.method === method && r.path.startsWith(path)).length;

describe("hermes photon (built bin, FakePhotonServer)", () => {
  it("login --no-browser: shows the code in a box, stores a validated token in auth.json (0600)", async () => {
    const r = await hermes(["photon", "login", "--no-browser"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/┌─+┐/);
    expect(r.stderr).toMatch(/Code: {2}\S+/);
    expect(r.stderr).toContain("Logged in to Photon; token stored in");
    expect(r.stderr).not.toContain("Opened your browser");
    const pool = (await auth()).credential_pool?.photon;
    expect(pool).toHaveLength(1);
    expect(fake.tokens.has(String(pool?.[0]?.access_token))).toBe(true);
    expect((await stat(join(home, "auth.json"))).mode & 0o777).toBe(0o600);
  });

  it("login: a denied request exits 1 with the reason and stores nothing", async () => {
    fake.scriptDeviceCode({ outcome: "deny" });
    const r = await hermes(["photon", "login", "--no-browser"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("✗ Photon login failed: access_denied");
    await expect(stat(join(home, "auth.json"))).rejects.toThrow();
  });

  it("setup: first run creates everything; second run changes nothing and rotates nothing", async () => {
    const args = ["photon", "setup", "--no-browser", "--phone", "+15551234567", "--first-name", "Ada", "--webhook-url", "https://hooks.example/photon"];
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
    expect(project).toMatchObject({ project_id: fake.projects[0]?.spectrumProjectId, project_secret: fake.projects[0]?.projectSecret });
    const dotenv = await readFile(join(home, ".env"), "utf8");
    expect(dotenv).toBe(`PHOTON_ENABLED=1\nPHOTON_ALLOWED_USERS=+15551234567\nPHOTON_WEBHOOK_SECRET=${fake.webhooks[0]?.signingSecret}\n`);
    expect((await stat(join(home, ".env"))).mode & 0o777).toBe(0o600);

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
    expect(await readFile(join(home, ".env"), "utf8")).toBe(dotenv);
  });

  it("setup: a stale stored token leads to a re-login (said so); an existing project is adopted by name", async () => {
    fake.addToken("owner-token");
    const existing = fake.addProject("owner-token", "Hermes");
    await writeFile(join(home, "auth.json"), JSON.stringify({ credential_pool: { photon: [{ access_token: "stale-token-123" }] }, other_tool: { keep: true } }));
    fake.scriptDeviceCode({ outcome: { approve: { token: "owner-token" } } });
    const r = await hermes(["photon", "setup", "--no-browser", "--phone", "+15551234567", "--project-name", "hermes"], { EXTRA: "stale-token-123" });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain("stale-token-123");
    expect(r.stderr).toContain("⚠ The stored Photon login was rejected (expired or revoked); logging in again.");
    expect(r.stderr).toContain('Adopting existing project "Hermes"');
    expect(fake.projects).toHaveLength(1);
    const stored = await auth();
    expect(stored.credential_pool?.photon_project?.[0]).toMatchObject({ project_id: existing.spectrumProjectId, project_secret: fake.projects[0]?.projectSecret });
    expect((stored as Record<string, unknown>).other_tool).toEqual({ keep: true });
  });

  it("setup: local checks fail before any request (exit 2), and no prompt without a terminal", async () => {
    const before = fake.requests.length;
    const noPhone = await hermes(["photon", "setup", "--no-browser"]);
    expect(noPhone.code).toBe(2);
    expect(noPhone.stderr).toContain("✗ No phone number. Pass --phone");
    const bad = await hermes(["photon", "setup", "--phone", "555-1234"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("E.164");
    expect(fake.requests.length).toBe(before);
  });

  it("status --json after setup; webhook register / list / delete", async () => {
    expect((await hermes(["photon", "setup", "--no-browser", "--phone", "+15551234567"])).code).toBe(0);
    const s = await hermes(["photon", "status", "--json"]);
    expect(JSON.parse(s.stdout)).toMatchObject({ deviceToken: true, projectKey: true, webhookKey: false, projectId: fake.projects[0]?.spectrumProjectId });

    const reg = await hermes(["photon", "webhook", "register", "https://hooks.example/a"]);
    expect(reg.code).toBe(0);
    expect(reg.stdout).toContain("✓ Registered webhook https://hooks.example/a");
    expect(reg.stdout).toContain("PHOTON_WEBHOOK_SECRET=<hidden>");
    expect(await readFile(join(home, ".env"), "utf8")).toContain(`PHOTON_WEBHOOK_SECRET=${fake.webhooks[0]?.signingSecret}`);

    const second = await hermes(["photon", "webhook", "register", "https://hooks.example/b"]);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("⚠ PHOTON_WEBHOOK_SECRET held another webhook's signing secret");
    expect(await readFile(join(home, ".env"), "utf8")).toBe(`PHOTON_ENABLED=1\nPHOTON_ALLOWED_USERS=+15551234567\nPHOTON_WEBHOOK_SECRET=${fake.webhooks[1]?.signingSecret}\n`);
    expect((await hermes(["photon", "webhook", "delete", fake.webhooks[1]!.id])).code).toBe(0);

    const dup = await hermes(["photon", "webhook", "register", "https://hooks.example/a"]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/^✗ /);

    const list = await hermes(["photon", "webhook", "list", "--json"]);
    const hooks = JSON.parse(list.stdout) as Array<{ id: string; webhookUrl: string }>;
    expect(hooks.map((h) => h.webhookUrl)).toEqual(["https://hooks.example/a"]);
    const table = await hermes(["photon", "webhook", "list"]);
    expect(table.stdout).toContain(`${hooks[0]?.id}  https://hooks.example/a`);

    const del = await hermes(["photon", "webhook", "delete", hooks[0]!.id]);
    expect(del.code).toBe(0);
    expect(del.stdout).toContain(`✓ Deleted webhook ${hooks[0]?.id}`);
    const again = await hermes(["photon", "webhook", "delete", hooks[0]!.id]);
    expect(again.stdout).toContain("was already gone");
    expect(fake.webhooks).toHaveLength(0);
  });

  it("webhook commands without a project, and an unreachable Photon, fail with a next step", async () => {
    const none = await hermes(["photon", "webhook", "list"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("✗ No Photon project credentials stored.");
    expect(none.stderr).toContain("hermes photon setup");
    const down = await runBin(["photon", "login", "--no-browser"], { env: env({ PHOTON_DASHBOARD_HOST: "http://127.0.0.1:1" }) });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^✗ /m);
  });

  it("setup against a newer server that answers project creation with {success, id}", async () => {
    await fake.stop();
    fake = await new FakePhotonServer({ createProjectShape: "success-id" }).start();
    const r = await hermes(["photon", "setup", "--no-browser", "--phone", "+15551234567"]);
    expect(r.code).toBe(0);
    const project = (await auth()).credential_pool?.photon_project?.[0];
    expect(project).toMatchObject({ project_id: fake.projects[0]?.spectrumProjectId, project_secret: fake.projects[0]?.projectSecret });
    expect(fake.users).toHaveLength(1);
  });
});
