// The built `hermes` bin, as a child process, with a temp HERMES_HOME.
import { readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempHome } from "./support/temp-home.js";
import { spawn } from "node:child_process";
import { BIN, expectNoSecrets, runBin } from "./support/bin.js";
import { sendJson, startFakeConnector } from "./support/fake-connector.js";

const home = useTempHome("hermes-bin-");

const SECRET = "bin-secret-4f1c2a9e";
const KEY = "bin-delivery-key-77aa";
const ENROLL = "bin-enroll-token-0b0b";
const IDENTITY = "bin-identity-token-c0ffee";
const ALL = [SECRET, KEY, ENROLL, IDENTITY];
/** `hermes gateway enroll` with this test's token and caller identity, against `connectorUrl`. */
const enrollTo = (connectorUrl: string): string[] => [
  "gateway",
  "enroll",
  "--token",
  ENROLL,
  "--connector-url",
  connectorUrl,
  "--identity-token",
  IDENTITY,
];

describe("hermes (built bin)", () => {
  it("--version and --help exit 0; no command exits 2", async () => {
    const v = await runBin(["--version"]);
    expect(v).toEqual({
      code: 0,
      stdout: `${JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")).version}\n`,
      stderr: "",
    });
    const h = await runBin(["gateway", "enroll", "--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("--connector-url <url>");
    const none = await runBin([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: hermes");
  });

  it("usage errors exit 2 with ✗ and no colour when not a TTY", async () => {
    const r = await runBin(["gateway", "enroll"], { env: { HERMES_HOME: home() } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "✗ No enrollment token. Pass --token <token> (or set GATEWAY_RELAY_ENROLL_TOKEN).\n" +
        "  The connector mints this single-use token when your tenant's route is provisioned; it is delivered with your gateway config.\n",
    );
    expect(r.stdout).toBe("");
  });

  it("gateway enroll → .env written 0600, secrets hidden; status then shows them as ✓", async () => {
    const c = await startFakeConnector((_r, res) =>
      sendJson(res, 200, { secret: SECRET, deliveryKey: KEY, tenant: "acme", gatewayId: "gw-bin" }),
    );
    try {
      const r = await runBin(
        [
          "gateway",
          "enroll",
          "--token",
          ENROLL,
          "--connector-url",
          `${c.url}/relay`,
          "--gateway-id",
          "gw-bin",
        ],
        {
          env: { HERMES_HOME: home(), GATEWAY_RELAY_IDENTITY_TOKEN: IDENTITY },
        },
      );
      expectNoSecrets(r, ALL);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('✓ Enrolled gateway "gw-bin" for tenant acme');
      expect(r.stdout).toContain("GATEWAY_RELAY_SECRET=<hidden>");
      expect(c.seen[0]?.authorization).toBe(`Bearer ${IDENTITY}`);
      const envFile = join(home(), ".env");
      expect((await stat(envFile)).mode & 0o777).toBe(0o600);
      const text = await readFile(envFile, "utf8");
      expect(text).toContain(`GATEWAY_RELAY_SECRET=${SECRET}\n`);
      expect(text).toContain(`GATEWAY_RELAY_DELIVERY_KEY=${KEY}\n`);
      expect(text).toContain(`GATEWAY_RELAY_URL=${c.url}/relay\n`);

      const s = await runBin(["gateway", "status", "--json"], { env: { HERMES_HOME: home() } });
      expectNoSecrets(s, ALL);
      expect(s.code).toBe(0);
      expect(JSON.parse(s.stdout)).toMatchObject({
        relayUrl: { value: `${c.url}/relay`, source: ".env" },
        gatewayId: { value: "gw-bin", source: ".env" },
        secret: { set: true, source: ".env" },
        deliveryKey: { set: true, source: ".env" },
      });
      const table = await runBin(["gateway", "status"], { env: { HERMES_HOME: home() } });
      expectNoSecrets(table, ALL);
      expect(table.stdout).toMatch(/secret\s+: ✓ set/);
    } finally {
      await c.close();
    }
  });

  it("a refused enrollment exits 1 with the connector's reason and writes nothing", async () => {
    const c = await startFakeConnector((_r, res) =>
      sendJson(res, 403, { error: "enrollment token already used" }),
    );
    try {
      const r = await runBin(
        ["gateway", "enroll", "--connector-url", c.url, "--identity-token", IDENTITY],
        {
          env: { HERMES_HOME: home(), GATEWAY_RELAY_ENROLL_TOKEN: ENROLL },
        },
      );
      expectNoSecrets(r, ALL);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("✗ Enrollment failed: enrollment token already used");
      await expect(stat(join(home(), ".env"))).rejects.toThrow();
    } finally {
      await c.close();
    }
  });

  it("managed install: refuses with exit 1 and leaves .env alone", async () => {
    await writeFile(join(home(), ".env"), "KEEP=1\n");
    await writeFile(join(home(), ".managed"), "");
    const r = await runBin(enrollTo("https://c.example"), { env: { HERMES_HOME: home() } });
    expectNoSecrets(r, ALL);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not available in a managed/hosted install");
    expect(await readFile(join(home(), ".env"), "utf8")).toBe("KEEP=1\n");
  });

  // Node's recursive mkdir never returns under procfs: enroll used to hang there for good.
  it("a HERMES_HOME under /proc: exit 1 naming it, the token unused, no hang", async () => {
    const r = await runBin([...enrollTo("https://c.example"), "--platform", "discord"], {
      env: { HERMES_HOME: "/proc/self/hermes-home" },
    });
    expectNoSecrets(r, ALL);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("✗ HERMES_HOME /proc/self/hermes-home is not writable");
    expect(r.stderr).toContain("The enrollment token was not used.");
  });

  // readFileSync would never return on /dev/zero (or exhaust memory on a huge file).
  it("a .env linked to a device: status exits 1 naming it, at once", async () => {
    await symlink("/dev/zero", join(home(), ".env"));
    const r = await runBin(["gateway", "status"], { env: { HERMES_HOME: home() } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Cannot read ${join(home(), ".env")} (is not a regular file (a device or socket)). It was left untouched.`,
    );
  });

  it("Ctrl-C while waiting for the connector: exit 130, a clear line, nothing written", async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((r) => (arrived = r));
    const c = await startFakeConnector(() => arrived()); // never answers
    try {
      const child = spawn(process.execPath, [BIN, ...enrollTo(c.url)], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HERMES_HOME: home() },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
      await requestArrived;
      child.kill("SIGINT");
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(code).toBe(130);
      expect(out).toBe("✗ Cancelled\n");
      await expect(stat(join(home(), ".env"))).rejects.toThrow();
    } finally {
      await c.close();
    }
  });

  it("caller identity from the IdP (client credentials) and from the Nous login: the right bearer, no secret printed", async () => {
    const IDP_SECRET = "idp-client-secret-9f9f";
    const IDP_ACCESS = "idp-access-token-8e8e";
    const NOUS = "nous-access-token-7d7d";
    const idp = await startFakeConnector((r, res) => {
      const form = new URLSearchParams(r.body);
      if (
        form.get("client_secret") === IDP_SECRET &&
        form.get("grant_type") === "client_credentials"
      )
        sendJson(res, 200, { access_token: IDP_ACCESS });
      else sendJson(res, 401, { error: "invalid_client" });
    });
    const c = await startFakeConnector((_r, res) =>
      sendJson(res, 200, { secret: SECRET, deliveryKey: KEY, gatewayId: "gw-x", tenant: "acme" }),
    );
    try {
      const viaIdp = await runBin(
        ["gateway", "enroll", "--token", ENROLL, "--connector-url", c.url, "--gateway-id", "gw-x"],
        {
          env: {
            HERMES_HOME: home(),
            GATEWAY_RELAY_IDP_TOKEN_URL: `${idp.url}/oauth2/token`,
            GATEWAY_RELAY_IDP_CLIENT_ID: "relay-client",
            GATEWAY_RELAY_IDP_CLIENT_SECRET: IDP_SECRET,
          },
        },
      );
      expect(viaIdp.code).toBe(0);
      expect(c.seen[0]?.authorization).toBe(`Bearer ${IDP_ACCESS}`);

      await writeFile(
        join(home(), "auth.json"),
        JSON.stringify({ credential_pool: { nous: [{ access_token: NOUS }] } }),
      );
      const viaNous = await runBin(
        [
          "gateway",
          "enroll",
          "--token",
          ENROLL,
          "--connector-url",
          c.url,
          "--gateway-id",
          "gw-x",
          "--json",
          "--force",
        ],
        {
          env: { HERMES_HOME: home() },
        },
      );
      expect(viaNous.code).toBe(0);
      expect(c.seen[1]?.authorization).toBe(`Bearer ${NOUS}`);
      for (const r of [viaIdp, viaNous]) expectNoSecrets(r, [...ALL, IDP_SECRET, IDP_ACCESS, NOUS]);

      const idpOnlyId = await runBin(
        ["gateway", "enroll", "--token", ENROLL, "--connector-url", c.url, "--force"],
        {
          env: {
            HERMES_HOME: home(),
            GATEWAY_RELAY_IDP_TOKEN_URL: `${idp.url}/t`,
            GATEWAY_RELAY_IDP_CLIENT_ID: "relay-client",
          },
        },
      );
      expect(idpOnlyId.code).toBe(1);
      expect(idpOnlyId.stderr).toContain(
        "✗ GATEWAY_RELAY_IDP_CLIENT_ID is set but GATEWAY_RELAY_IDP_CLIENT_SECRET is not.",
      );
      expect(idp.seen).toHaveLength(1);
    } finally {
      await idp.close();
      await c.close();
    }
  });
});

// The same env / .env / config.yaml as apps/gateway/test/cli.bin.test.ts ("hermes-gateway run
// --check resolves what hermes gateway status shows"): both bins must report the same values.
const SAME_ENV = {
  GATEWAY_RELAY_URL: " wss://env.example/relay/ ",
  GATEWAY_RELAY_ID: "   ",
  GATEWAY_RELAY_PLATFORMS: "discord",
};
const SAME_FILES = {
  ".env": "GATEWAY_RELAY_ID=' gw-dotenv '\nGATEWAY_RELAY_SECRET=fixture-secret-1\n",
  "config.yaml":
    "gateway:\n  relay_url: wss://yaml.example\n  relay_delivery_key: 'fixture-key-2'\n  relay_wake_url: https://wake.example/w?t=fixture-wake-token\n",
};

describe("hermes gateway status (built bin) resolves the relay link exactly as hermes-gateway run --check", () => {
  it("same values and sources from env / .env / config.yaml; trimmed; secrets and URL queries hidden", async () => {
    for (const [name, text] of Object.entries(SAME_FILES))
      await writeFile(join(home(), name), text);
    const r = await runBin(["gateway", "status", "--json"], {
      env: { HERMES_HOME: home(), ...SAME_ENV },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      relayUrl: { value: "wss://env.example/relay", source: "env" },
      gatewayId: { value: "gw-dotenv", source: ".env" },
      secret: { set: true, source: ".env" },
      deliveryKey: { set: true, source: "config.yaml" },
      wakeUrl: { value: "https://wake.example/w?<hidden>", source: "config.yaml" },
      configError: null,
    });
    expectNoSecrets(r, ["fixture-secret-1", "fixture-key-2", "fixture-wake-token"]);
  });

  it("userinfo in a URL is reported, masked, and the URL shown as not configured", async () => {
    await writeFile(
      join(home(), "config.yaml"),
      "gateway:\n  relay_url: wss://relay-user:fixture-pass-3@c.example/relay\n",
    );
    const r = await runBin(["gateway", "status"], { env: { HERMES_HOME: home() } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      "gateway.relay_url (from config.yaml): credentials in a URL (wss://<hidden>@c.example/relay) are refused",
    );
    expect(r.stdout).toMatch(/relay url\s+: ✗ not configured/);
    expectNoSecrets(r, ["relay-user", "fixture-pass-3"]);
  });
});
