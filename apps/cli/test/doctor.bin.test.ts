// `hermes doctor` (built bin): a temp HERMES_HOME, a loopback connector, FakePhotonServer.
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakePhotonServer } from "@hermes/photon-api/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectNoSecrets, runBin } from "./support/bin.js";
import { sendJson, startFakeConnector } from "./support/fake-connector.js";

const SECRET = "doctor-secret-5e9d1c0a";
const KEY = "doctor-delivery-key-3b3b";

let home: string;
let fake: FakePhotonServer;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "hermes-doctor-"));
  fake = await new FakePhotonServer().start();
});
afterEach(async () => {
  await fake.stop();
  await rm(home, { recursive: true, force: true });
});

const env = () => ({
  HERMES_HOME: home,
  PHOTON_DASHBOARD_HOST: fake.baseUrl,
  PHOTON_SPECTRUM_HOST: fake.baseUrl,
});

interface Report {
  ok: boolean;
  checks: Array<{ id: string; status: string; message: string; fix?: string }>;
}

async function doctor(args: string[] = []) {
  const r = await runBin(["doctor", ...args], { env: env() });
  expectNoSecrets(r, [SECRET, KEY, ...fake.tokens.keys()]);
  return r;
}

const statusOf = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]));

describe("hermes doctor (built bin)", () => {
  it("an enrolled home with a valid Photon login: every line ✓, exit 0", async () => {
    const c = await startFakeConnector((_req, res) => sendJson(res, 404, { error: "not found" }));
    try {
      await writeFile(
        join(home, ".env"),
        `GATEWAY_RELAY_URL=${c.url}/relay\nGATEWAY_RELAY_SECRET=${SECRET}\nGATEWAY_RELAY_DELIVERY_KEY=${KEY}\nGATEWAY_RELAY_PLATFORMS=discord\n`,
        { mode: 0o600 },
      );
      expect((await runBin(["photon", "login", "--no-browser"], { env: env() })).code).toBe(0);
      const r = await doctor();
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      for (const line of [
        "Node.js",
        "HERMES_HOME",
        ".env is private",
        "auth.json is private",
        "gateway settings valid",
        "relay credentials",
        "answers (HTTP 404)",
        "Photon token accepted",
      ]) {
        expect(r.stdout).toMatch(new RegExp(`^✓ .*${line.replace(/[.()]/g, "\\$&")}`, "m"));
      }
      expect(c.seen.length).toBeGreaterThan(0);
      expect(c.seen.every((s) => s.authorization === undefined)).toBe(true);
    } finally {
      await c.close();
    }
  });

  it("a world-readable .env is a warning with the fix; --fix tightens it to 0600", async () => {
    const envPath = join(home, ".env");
    await writeFile(envPath, "SOME_TOKEN=x\n");
    await chmod(envPath, 0o644);
    const r = await doctor();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`⚠ ${envPath} holds secrets and is readable by others (mode 0644)`);
    expect(r.stdout).toContain(`fix: chmod 600 ${envPath}`);
    expect((await stat(envPath)).mode & 0o777).toBe(0o644);

    const fixed = await doctor(["--fix", "--json"]);
    expect(fixed.code).toBe(0);
    const report = JSON.parse(fixed.stdout) as Report;
    expect(report.checks.find((c) => c.id === "env-file")).toMatchObject({
      status: "ok",
      message: expect.stringContaining("tightened to 0600"),
    });
    expect((await stat(envPath)).mode & 0o777).toBe(0o600);
    expect(await readFile(envPath, "utf8")).toBe("SOME_TOKEN=x\n");
  });

  it("broken credentials, an unreachable connector and a rejected Photon token are ✗ with fixes; --json carries each; exit 1", async () => {
    const c = await startFakeConnector((_req, res) => sendJson(res, 200, {}));
    const deadUrl = c.url;
    await c.close();
    await writeFile(
      join(home, ".env"),
      `GATEWAY_RELAY_URL=${deadUrl}/relay\nGATEWAY_RELAY_PLATFORMS=discord\n`,
      { mode: 0o600 },
    );
    expect((await runBin(["photon", "login", "--no-browser"], { env: env() })).code).toBe(0);
    fake.tokens.clear();
    const r = await doctor(["--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.ok).toBe(false);
    expect(statusOf(report)).toMatchObject({
      "relay-credentials": "fail",
      connector: "fail",
      "photon-token": "fail",
      "gateway-settings": "ok",
    });
    expect(report.checks.find((x) => x.id === "connector")?.message).toContain(
      `Could not reach the connector at ${deadUrl}`,
    );
    expect(report.checks.every((x) => x.status !== "fail" || typeof x.fix === "string")).toBe(true);
    expect(JSON.parse(r.stderr)).toMatchObject({
      error: {
        code: "doctor-failed",
        message: "3 checks failed: relay-credentials, connector, photon-token",
      },
    });

    const human = await doctor();
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^✗ Photon token rejected by /m);
    expect(human.stderr).toContain("✗ 3 checks failed");
  });

  it("an unparseable auth.json and a bad setting are ✗ naming the file and the key's source", async () => {
    await writeFile(join(home, "auth.json"), "{not json", { mode: 0o600 });
    await writeFile(join(home, ".env"), "GATEWAY_RELAY_URL=ftp://nope\n", { mode: 0o600 });
    const r = await doctor(["--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.checks.find((x) => x.id === "auth-json")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("auth.json"),
    });
    expect(report.checks.find((x) => x.id === "gateway-settings")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("GATEWAY_RELAY_URL (from .env)"),
    });
  });

  it("checks the gateway's whole configuration as `hermes-gateway run` would: a bad agent, port or queue bound is ✗ naming the key and its source, exit 1", async () => {
    // A bad value in the real environment: exec: without a program.
    const agent = await runBin(["doctor"], { env: { ...env(), GATEWAY_AGENT: "exec:" } });
    expect(agent.code).toBe(1);
    expect(agent.stdout).toMatch(
      /^✗ Invalid configuration: GATEWAY_AGENT \(from env\): exec: needs a command/m,
    );
    expect(agent.stdout).toMatch(/^ {4}fix: .*hermes-gateway run --check/m);
    expect(agent.stderr).toContain("✗ 1 check failed: gateway-settings");

    // In .env, with --json: the same check, the same words.
    await writeFile(
      join(home, ".env"),
      `GATEWAY_HEALTH_PORT=99999\nPHOTON_WEBHOOK_SECRET=${SECRET}\n`,
      {
        mode: 0o600,
      },
    );
    const port = await doctor(["--json"]);
    expect(port.code).toBe(1);
    expect(
      (JSON.parse(port.stdout) as Report).checks.find((x) => x.id === "gateway-settings"),
    ).toMatchObject({
      status: "fail",
      message: expect.stringContaining(
        "GATEWAY_HEALTH_PORT (from .env): expected an integer from 0 to 65535",
      ),
    });
    expect(JSON.parse(port.stderr)).toMatchObject({
      error: { code: "doctor-failed", message: "1 check failed: gateway-settings" },
    });

    // In config.yaml.
    await writeFile(join(home, ".env"), "", { mode: 0o600 });
    await writeFile(join(home, "config.yaml"), "gateway:\n  max_queued_turns: 0\n");
    const queue = await doctor(["--json"]);
    expect(queue.code).toBe(1);
    expect(
      (JSON.parse(queue.stdout) as Report).checks.find((x) => x.id === "gateway-settings")?.message,
    ).toContain("gateway.max_queued_turns (from config.yaml)");

    // Valid settings beyond the relay: ✓.
    await writeFile(join(home, "config.yaml"), "gateway:\n  max_queued_turns: 5\n  agent: echo\n");
    const fine = await doctor(["--json"]);
    expect(fine.code).toBe(0);
    expect(statusOf(JSON.parse(fine.stdout) as Report)["gateway-settings"]).toBe("ok");

    // A key that is almost a setting (the gateway would start and ignore it): ⚠, exit 0.
    await writeFile(join(home, "config.yaml"), "gateway:\n  max_queued_turn: 5\n");
    const typo = await doctor();
    expect(typo.code).toBe(0);
    expect(typo.stdout).toContain(
      "⚠ config.yaml: `gateway.max_queued_turn` is not a setting read here; did you mean `gateway.max_queued_turns`? (ignored)",
    );
  });

  it("a fresh machine (no HERMES_HOME yet) is fine: nothing set up is –, exit 0", async () => {
    await rm(home, { recursive: true, force: true });
    const r = await doctor();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^– HERMES_HOME .* does not exist yet/m);
    expect(r.stdout).toMatch(/^– not enrolled with a relay connector/m);
    expect(r.stdout).toMatch(/^– no Photon login stored/m);
  });
});
