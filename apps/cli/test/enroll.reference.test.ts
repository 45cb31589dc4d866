// `hermes gateway enroll` (the built bin) against the relay-adapter ReferenceConnector: the
// credentials it stores really open the relay link, a used token and a rejected identity
// give the docs/contract/relay.md#enroll messages, and no secret is printed. (Error shapes the reference connector does
// not produce — 500, non-JSON, oversize, redirects — are in gateway.bin.test.ts.)
import { spawnSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDotenv } from "@hermes/credential-store";
import { WebSocketRelayTransport } from "@hermes/relay-adapter";
import { ReferenceConnector } from "@hermes/relay-adapter/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useTempHome } from "./support/temp-home.js";
import { expectNoSecrets, runBin } from "./support/bin.js";

const home = useTempHome("hermes-ref-");

const IDENTITY = "ref-identity-token-5e5e";
let connector: ReferenceConnector;
beforeEach(async () => {
  connector = await new ReferenceConnector({ gateways: {}, identityTokens: [IDENTITY] }).start();
});
afterEach(async () => {
  await connector.stop();
});

const enroll = (
  token: string,
  identity = IDENTITY,
  extra: string[] = [],
  env: Record<string, string> = {},
) =>
  runBin(
    [
      "gateway",
      "enroll",
      "--token",
      token,
      "--connector-url",
      connector.url,
      "--gateway-id",
      "gw-ref",
      ...extra,
    ],
    {
      env: { HERMES_HOME: home(), GATEWAY_RELAY_IDENTITY_TOKEN: identity, ...env },
    },
  );

describe("hermes gateway enroll ↔ ReferenceConnector", () => {
  it("stores working credentials (0600, hidden in the output): the gateway can dial the link with them", async () => {
    const token = connector.issueEnrollmentToken({ tenant: "acme" });
    const r = await enroll(token);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✓ Enrolled gateway "gw-ref" for tenant acme');
    const envFile = join(home(), ".env");
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    const env = parseDotenv(await readFile(envFile, "utf8"));
    const secret = env.get("GATEWAY_RELAY_SECRET")!;
    const deliveryKey = env.get("GATEWAY_RELAY_DELIVERY_KEY")!;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expectNoSecrets(r, [secret, deliveryKey, token, IDENTITY]);
    expect(env.get("GATEWAY_RELAY_ID")).toBe("gw-ref");
    expect(env.get("GATEWAY_RELAY_URL")).toBe(connector.url);

    const transport = new WebSocketRelayTransport({
      url: env.get("GATEWAY_RELAY_URL")!,
      gatewayId: "gw-ref",
      secret,
      identities: [{ platform: "discord", botId: "b" }],
      reconnect: false,
    });
    try {
      expect((await transport.connect()).platform).toBe("discord");
      expect(connector.isConnected("gw-ref")).toBe(true);
    } finally {
      await transport.disconnect();
    }

    const status = await runBin(["gateway", "status", "--json"], { env: { HERMES_HOME: home() } });
    expectNoSecrets(status, [secret, deliveryKey]);
    expect(JSON.parse(status.stdout)).toMatchObject({
      gatewayId: { value: "gw-ref" },
      secret: { set: true },
      deliveryKey: { set: true },
    });
  });

  it("a token used twice: exit 1 with the connector's 403 reason, .env untouched", async () => {
    const token = connector.issueEnrollmentToken();
    expect((await enroll(token)).code).toBe(0);
    const before = await readFile(join(home(), ".env"), "utf8");
    const again = await enroll(token, IDENTITY, ["--force"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      "Enrollment token invalid, expired, already used, or tenant mismatch",
    );
    expect(await readFile(join(home(), ".env"), "utf8")).toBe(before);
  });

  it("a caller identity the connector rejects: exit 1 naming the identity problem, nothing written", async () => {
    const token = connector.issueEnrollmentToken();
    const r = await enroll(token, "not-the-identity");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/identity/i);
    expectNoSecrets(r, [token, "not-the-identity"]);
    await expect(stat(join(home(), ".env"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a second enroll without --force and without a terminal: exit 1, nothing changed, the token NOT spent", async () => {
    expect(
      (await enroll(connector.issueEnrollmentToken(), IDENTITY, ["--platform", "discord"])).code,
    ).toBe(0);
    const before = await readFile(join(home(), ".env"), "utf8");
    const fresh = connector.issueEnrollmentToken();
    const again = await enroll(fresh);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      '✗ This HERMES_HOME is already enrolled as gateway "gw-ref"; replace that enrollment? Pass --force to confirm',
    );
    expect(again.stderr).toContain("The enrollment token was not used.");
    expect(await readFile(join(home(), ".env"), "utf8")).toBe(before);
    // The same token still redeems, with --force, and the output says it replaced the enrollment.
    const forced = await enroll(fresh, IDENTITY, ["--force"]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('✓ Re-enrolled gateway "gw-ref"');
    expect(
      parseDotenv(await readFile(join(home(), ".env"), "utf8")).get("GATEWAY_RELAY_SECRET"),
    ).not.toBe(parseDotenv(before).get("GATEWAY_RELAY_SECRET"));
  });

  it("an exported GATEWAY_RELAY_SECRET that would shadow the new one: a warning naming it, never its value", async () => {
    const r = await enroll(connector.issueEnrollmentToken(), IDENTITY, ["--platform", "discord"], {
      GATEWAY_RELAY_SECRET: "exported-old-secret-1234",
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "⚠ GATEWAY_RELAY_SECRET is set in your environment: it overrides the value enroll writes to .env",
    );
    expect(r.stderr).toContain("unset GATEWAY_RELAY_SECRET");
    expectNoSecrets(r, ["exported-old-secret-1234"]);
    // A variable equal to what is written shadows nothing: no warning.
    expect(r.stderr).not.toContain("GATEWAY_RELAY_URL is set");
  });

  it("records the platforms so the relay can start; status --check then dials and handshakes with them", async () => {
    const r = await enroll(connector.issueEnrollmentToken(), IDENTITY, [
      "--platform",
      "Discord",
      "--platform",
      "telegram",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("GATEWAY_RELAY_PLATFORMS=discord,telegram");
    const check = await runBin(["gateway", "status", "--check"], { env: { HERMES_HOME: home() } });
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/platforms\s+: discord, telegram\s+\(\.env\)/);
    expect(check.stdout).toMatch(
      /✓ connected to ws:\/\/127\.0\.0\.1:\d+\/relay as gw-ref: handshake round trip \d+ ms/,
    );
    expect(check.stdout).toMatch(/platform\s+telegram/);
    const json = await runBin(["gateway", "status", "--check", "--json"], {
      env: { HERMES_HOME: home() },
    });
    expect(JSON.parse(json.stdout)).toMatchObject({
      canStart: true,
      platforms: { value: ["discord", "telegram"] },
      check: { outcome: "connected" },
    });
    // Revoked at the connector: --check says so, exit 1.
    connector.revoke("gw-ref");
    const revoked = await runBin(["gateway", "status", "--check"], {
      env: { HERMES_HOME: home() },
    });
    expect(revoked.code).toBe(1);
    expect(revoked.stdout).toContain("✗ the connector at");
    expect(revoked.stdout).toContain("refused the secret of gw-ref");
  });

  it("status flags a relay that cannot start (no platform) and --check does not dial it", async () => {
    const r = await enroll(connector.issueEnrollmentToken());
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("⚠ No platform recorded: `hermes-gateway run` needs at least one.");
    const status = await runBin(["gateway", "status"], { env: { HERMES_HOME: home() } });
    expect(status.code).toBe(0);
    expect(status.stderr).toContain(
      "GATEWAY_RELAY_PLATFORMS (from default): the relay needs at least one platform",
    );
    expect(status.stdout).toMatch(/relay\s+: ✗ cannot start/);
    const dials = connector.dialCount("gw-ref");
    const check = await runBin(["gateway", "status", "--check"], { env: { HERMES_HOME: home() } });
    expect(check.code).toBe(1);
    expect(check.stderr).toContain(
      "✗ `hermes-gateway run` would refuse this configuration; not dialing.",
    );
    expect(connector.dialCount("gw-ref")).toBe(dials);
    // config.yaml can supply the platforms: then it can start.
    await writeFile(join(home(), "config.yaml"), "gateway:\n  relay_platforms: [discord]\n");
    const fixed = await runBin(["gateway", "status", "--json"], { env: { HERMES_HOME: home() } });
    expect(JSON.parse(fixed.stdout)).toMatchObject({
      canStart: true,
      platforms: { value: ["discord"], source: "config.yaml" },
    });
  });

  it("unenroll removes exactly what enroll wrote; other .env lines and auth.json stay byte for byte", async () => {
    const otherEnv = "# my keys\nOPENAI_API_KEY=sk-keep-me\n";
    const auth = JSON.stringify(
      { credential_pool: { nous: [{ access_token: "n" }] }, other_tool: { x: 1 } },
      null,
      2,
    );
    await writeFile(join(home(), ".env"), otherEnv);
    await writeFile(join(home(), "auth.json"), auth);
    expect(
      (
        await enroll(connector.issueEnrollmentToken(), IDENTITY, [
          "--platform",
          "discord",
          "--wake-url",
          "http://127.0.0.1:9/wake",
        ])
      ).code,
    ).toBe(0);
    expect(await readFile(join(home(), ".env"), "utf8")).toContain("GATEWAY_RELAY_SECRET=");

    const noTty = await runBin(["gateway", "unenroll"], { env: { HERMES_HOME: home() } });
    expect(noTty.code).toBe(1);
    expect(noTty.stderr).toContain("Pass --yes to confirm");
    expect(await readFile(join(home(), ".env"), "utf8")).toContain("GATEWAY_RELAY_SECRET=");

    const r = await runBin(["gateway", "unenroll", "--yes", "--json"], {
      env: { HERMES_HOME: home() },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      unenrolled: true,
      recorded: true,
      removed: [
        "GATEWAY_RELAY_ID",
        "GATEWAY_RELAY_SECRET",
        "GATEWAY_RELAY_DELIVERY_KEY",
        "GATEWAY_RELAY_URL",
        "GATEWAY_RELAY_WAKE_URL",
        "GATEWAY_RELAY_PLATFORMS",
        "GATEWAY_RELAY_ENROLLED_KEYS",
      ],
    });
    expect(await readFile(join(home(), ".env"), "utf8")).toBe(otherEnv);
    expect(await readFile(join(home(), "auth.json"), "utf8")).toBe(auth);
    const again = await runBin(["gateway", "unenroll", "--yes"], { env: { HERMES_HOME: home() } });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Not enrolled");
  });

  it("a read-only HERMES_HOME fails before the token is sent: the token still redeems afterwards", async () => {
    const token = connector.issueEnrollmentToken();
    const writable = makeReadOnly(home());
    try {
      const r = await enroll(token, IDENTITY, ["--platform", "discord"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`✗ HERMES_HOME ${home()} is not writable`);
      expect(r.stderr).toContain("The enrollment token was not used.");
      expectNoSecrets(r, [token, IDENTITY]);
    } finally {
      writable();
    }
    await expect(stat(join(home(), ".env"))).rejects.toMatchObject({ code: "ENOENT" });
    const later = await enroll(token, IDENTITY, ["--platform", "discord"]);
    expect(later.code).toBe(0);
    expect(later.stdout).toContain('✓ Enrolled gateway "gw-ref"');
  });
});

/**
 * Make `dir` truly read-only and return the undo. These tests run as root, which ignores
 * permission bits, so as root the immutable attribute (`chattr +i`: not even root may create
 * a file in the folder until it is removed) is used; as any other user, mode 0500. If neither
 * works the test fails rather than pass on a folder that is still writable.
 */
function makeReadOnly(dir: string): () => void {
  if (process.getuid?.() === 0) {
    const set = spawnSync("chattr", ["+i", dir], { encoding: "utf8" });
    if (set.status !== 0)
      throw new Error(
        `chattr +i ${dir} failed (${set.error?.message ?? set.stderr.trim()}); cannot make a folder read-only for root`,
      );
    return () => void spawnSync("chattr", ["-i", dir]);
  }
  chmodSync(dir, 0o500);
  return () => chmodSync(dir, 0o700);
}
