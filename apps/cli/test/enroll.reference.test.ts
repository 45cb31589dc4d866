// `hermes gateway enroll` (the built bin) against the relay-adapter ReferenceConnector: the
// credentials it stores really open the relay link, a used token and a rejected identity
// give the docs/contract/relay.md#enroll messages, and no secret is printed. (Error shapes the reference connector does
// not produce — 500, non-JSON, oversize, redirects — are in gateway.bin.test.ts.)
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDotenv } from "@hermes/credential-store";
import { WebSocketRelayTransport } from "@hermes/relay-adapter";
import { ReferenceConnector } from "@hermes/relay-adapter/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectNoSecrets, runBin } from "./support/bin.js";

const IDENTITY = "ref-identity-token-5e5e";
let home: string;
let connector: ReferenceConnector;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "hermes-ref-"));
  connector = await new ReferenceConnector({ gateways: {}, identityTokens: [IDENTITY] }).start();
});
afterEach(async () => {
  await connector.stop();
  await rm(home, { recursive: true, force: true });
});

const enroll = (token: string, identity = IDENTITY) =>
  runBin(["gateway", "enroll", "--token", token, "--connector-url", connector.url, "--gateway-id", "gw-ref"], {
    env: { HERMES_HOME: home, GATEWAY_RELAY_IDENTITY_TOKEN: identity },
  });

describe("hermes gateway enroll ↔ ReferenceConnector", () => {
  it("stores working credentials (0600, hidden in the output): the gateway can dial the link with them", async () => {
    const token = connector.issueEnrollmentToken({ tenant: "acme" });
    const r = await enroll(token);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✓ Enrolled gateway "gw-ref" for tenant acme');
    const envFile = join(home, ".env");
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    const env = parseDotenv(await readFile(envFile, "utf8"));
    const secret = env.get("GATEWAY_RELAY_SECRET")!;
    const deliveryKey = env.get("GATEWAY_RELAY_DELIVERY_KEY")!;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expectNoSecrets(r, [secret, deliveryKey, token, IDENTITY]);
    expect(env.get("GATEWAY_RELAY_ID")).toBe("gw-ref");
    expect(env.get("GATEWAY_RELAY_URL")).toBe(connector.url);

    const transport = new WebSocketRelayTransport({ url: env.get("GATEWAY_RELAY_URL")!, gatewayId: "gw-ref", secret, identities: [{ platform: "discord", botId: "b" }], reconnect: false });
    try {
      expect((await transport.connect()).platform).toBe("discord");
      expect(connector.isConnected("gw-ref")).toBe(true);
    } finally {
      await transport.disconnect();
    }

    const status = await runBin(["gateway", "status", "--json"], { env: { HERMES_HOME: home } });
    expectNoSecrets(status, [secret, deliveryKey]);
    expect(JSON.parse(status.stdout)).toMatchObject({ gatewayId: { value: "gw-ref" }, secret: { set: true }, deliveryKey: { set: true } });
  });

  it("a token used twice: exit 1 with the connector's 403 reason, .env untouched", async () => {
    const token = connector.issueEnrollmentToken();
    expect((await enroll(token)).code).toBe(0);
    const before = await readFile(join(home, ".env"), "utf8");
    const again = await enroll(token);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("Enrollment token invalid, expired, already used, or tenant mismatch");
    expect(await readFile(join(home, ".env"), "utf8")).toBe(before);
  });

  it("a caller identity the connector rejects: exit 1 naming the identity problem, nothing written", async () => {
    const token = connector.issueEnrollmentToken();
    const r = await enroll(token, "not-the-identity");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/identity/i);
    expectNoSecrets(r, [token, "not-the-identity"]);
    await expect(stat(join(home, ".env"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
