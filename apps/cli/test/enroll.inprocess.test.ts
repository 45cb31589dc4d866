// `gateway enroll` in-process against a scripted loopback connector: every message of docs/contract/relay.md#enroll.
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { useTempHome } from "./support/temp-home.js";
import { run } from "../src/program.js";
import { fakeContext } from "./support/context.js";
import { type Handler, sendJson, startFakeConnector } from "./support/fake-connector.js";

const home = useTempHome("hermes-enroll-");

const SECRET = "SECRET-0123456789abcdef";
const KEY = "DELIVERY-KEY-fedcba9876543210";
const ENROLL = "ENROLL-TOKEN-abc";
const IDENTITY = "IDENTITY-BEARER-xyz";

let servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function connector(handler: Handler) {
  const c = await startFakeConnector(handler);
  servers.push(c);
  return c;
}

async function enroll(url: string, extra: string[] = [], env: Record<string, string> = {}) {
  const ctx = fakeContext({ env: { HERMES_HOME: home(), ...env }, hostname: "box" });
  const code = await run(
    [
      "gateway",
      "enroll",
      "--token",
      ENROLL,
      "--connector-url",
      url,
      "--identity-token",
      IDENTITY,
      ...extra,
    ],
    ctx,
  );
  const all = ctx.out() + ctx.err();
  for (const s of [SECRET, KEY, ENROLL, IDENTITY]) expect(all).not.toContain(s);
  return { code, out: ctx.out(), err: ctx.err() };
}

describe("gateway enroll against a scripted connector", () => {
  it("posts the token and id with the bearer, writes .env (0600) and prints <hidden>", async () => {
    const c = await connector((_r, res) =>
      sendJson(res, 200, { secret: SECRET, deliveryKey: KEY, tenant: "acme", gatewayId: "gw-box" }),
    );
    const r = await enroll(`${c.url.replace("http", "ws")}/relay/`, [
      "--wake-url",
      "https://wake.example/hook?k=WAKE",
    ]);
    expect(r.code).toBe(0);
    expect(c.seen[0]).toMatchObject({
      method: "POST",
      url: "/relay/enroll",
      authorization: `Bearer ${IDENTITY}`,
    });
    expect(JSON.parse(c.seen[0]!.body)).toEqual({ enrollmentToken: ENROLL, gatewayId: "gw-box" });
    expect(r.out).toContain('✓ Enrolled gateway "gw-box" for tenant acme');
    expect(r.out).toContain("GATEWAY_RELAY_SECRET=<hidden>");
    expect(r.out).toContain("GATEWAY_RELAY_DELIVERY_KEY=<hidden>");
    expect(r.out).toContain("GATEWAY_RELAY_WAKE_URL=https://wake.example/hook?<hidden>");
    expect(r.out).not.toContain("k=WAKE");
    const envPath = join(home(), ".env");
    expect(await readFile(envPath, "utf8")).toBe(
      [
        "GATEWAY_RELAY_ID=gw-box",
        `GATEWAY_RELAY_SECRET=${SECRET}`,
        `GATEWAY_RELAY_DELIVERY_KEY=${KEY}`,
        `GATEWAY_RELAY_URL=${c.url.replace("http", "ws")}/relay`,
        "GATEWAY_RELAY_WAKE_URL=https://wake.example/hook?k=WAKE",
        "GATEWAY_RELAY_ENROLLED_KEYS=GATEWAY_RELAY_ID,GATEWAY_RELAY_SECRET,GATEWAY_RELAY_DELIVERY_KEY,GATEWAY_RELAY_URL,GATEWAY_RELAY_WAKE_URL",
        "",
      ].join("\n"),
    );
    expect((await stat(envPath)).mode & 0o777).toBe(0o600);
    // The reachability preflight came first, without any credential.
    expect(c.probes).toEqual([
      { method: "GET", url: "/healthz", authorization: undefined, body: "" },
    ]);
  });

  it("keeps other .env lines and replaces existing keys (--force over an existing enrollment)", async () => {
    await writeFile(join(home(), ".env"), "# mine\nOTHER=1\nGATEWAY_RELAY_SECRET=old\n");
    const c = await connector((_r, res) =>
      sendJson(res, 200, { secret: SECRET, deliveryKey: KEY }),
    );
    const r = await enroll(c.url, ["--gateway-id", "gw-custom", "--json", "--force"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      enrolled: true,
      replaced: true,
      gatewayId: "gw-custom",
      tenant: null,
    });
    const text = await readFile(join(home(), ".env"), "utf8");
    expect(text.startsWith(`# mine\nOTHER=1\nGATEWAY_RELAY_SECRET=${SECRET}\n`)).toBe(true);
    expect(text).toContain("GATEWAY_RELAY_ID=gw-custom\n");
  });

  it.each<[string, Handler, RegExp]>([
    [
      "401",
      (_r, res) => sendJson(res, 401, { error: "bad identity" }),
      /✗ Enrollment failed: Connector rejected the caller identity \(401\)/,
    ],
    [
      "403 with error",
      (_r, res) => sendJson(res, 403, { error: "enrollment token already used" }),
      /✗ Enrollment failed: enrollment token already used\n/,
    ],
    [
      "403 without body",
      (_r, res) => sendJson(res, 403, {}),
      /✗ Enrollment failed: Enrollment token invalid, expired, already used, or tenant mismatch \(403\)\./,
    ],
    [
      "500 with error",
      (_r, res) => sendJson(res, 500, { error: "db down" }),
      /✗ Enrollment failed: Connector returned HTTP 500: db down\n/,
    ],
    [
      "418 without body",
      (_r, res) => res.writeHead(418).end(),
      /✗ Enrollment failed: Connector returned HTTP 418\n/,
    ],
    [
      "2xx without secret",
      (_r, res) => sendJson(res, 200, { deliveryKey: KEY }),
      /✗ Enrollment failed: Connector returned an unexpected response \(no secret\)\./,
    ],
    [
      "non-JSON 2xx",
      (_r, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>hi</html>"),
      /✗ Enrollment failed: Connector returned a non-JSON response \(HTTP 200\)\./,
    ],
    [
      "oversize",
      (_r, res) => sendJson(res, 200, { secret: SECRET, pad: "x".repeat(100_000) }),
      /✗ Enrollment failed: The response from the connector is larger than 65536 bytes/,
    ],
    [
      "escape sequences",
      (_r, res) => sendJson(res, 403, { error: "\u001b[2Jgotcha" }),
      /✗ Enrollment failed: \[2Jgotcha/,
    ],
  ])("%s → the enroll error message, exit 1, nothing written", async (_name, handler, message) => {
    const c = await connector(handler);
    const r = await enroll(c.url);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err).not.toContain("\u001b");
    await expect(stat(join(home(), ".env"))).rejects.toThrow();
  });

  it("unreachable connector: the preflight names the base URL and the reason, before the token is sent", async () => {
    const c = await connector(() => {});
    await c.close();
    servers = [];
    const r = await enroll(`${c.url}/relay`);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `✗ Could not reach the connector at ${c.url}: ECONNREFUSED. The enrollment token was not used.`,
    );
  });

  it("a connector that drops the enroll request itself: Enrollment failed, naming the reason", async () => {
    const c = await connector((_r, res) => res.socket?.destroy());
    const r = await enroll(c.url);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /✗ Enrollment failed: Could not reach the connector at http:\/\/127\.0\.0\.1:\d+: /,
    );
  });

  it("follows a same-origin redirect with the bearer; drops it across origins", async () => {
    const other = await connector((r, res) =>
      sendJson(res, 401, { error: r.authorization ? "leaked" : "no auth" }),
    );
    const c = await connector((r, res) => {
      if (r.url === "/relay/enroll") res.writeHead(307, { location: "/v2/relay/enroll" }).end();
      else res.writeHead(302, { location: `${other.url}/landing` }).end();
    });
    const r = await enroll(c.url);
    expect(c.seen.map((s) => [s.url, s.authorization])).toEqual([
      ["/relay/enroll", `Bearer ${IDENTITY}`],
      ["/v2/relay/enroll", `Bearer ${IDENTITY}`],
    ]);
    expect(other.seen).toEqual([
      { method: "GET", url: "/landing", authorization: undefined, body: "" },
    ]);
    expect(r.code).toBe(1);
  });

  it("refuses a plain-http remote connector unless --allow-insecure-http", async () => {
    const ctx = fakeContext({
      env: { HERMES_HOME: home() },
      fetch: (async () => new Response("{}")) as typeof fetch,
    });
    const code = await run(
      [
        "gateway",
        "enroll",
        "--token",
        ENROLL,
        "--connector-url",
        "http://connector.example",
        "--identity-token",
        IDENTITY,
      ],
      ctx,
    );
    expect(code).toBe(1);
    expect(ctx.err()).toContain(
      "✗ Invalid configuration: --connector-url (from flag): plain http:// to connector.example, which is not loopback, is refused",
    );
    expect(ctx.err()).toContain("--allow-insecure-http");
    const seen: string[] = [];
    const allowed = fakeContext({
      env: { HERMES_HOME: home() },
      fetch: (async (u: URL) => {
        seen.push(String(u));
        return Response.json({ secret: SECRET });
      }) as typeof fetch,
    });
    expect(
      await run(
        [
          "gateway",
          "enroll",
          "--token",
          ENROLL,
          "--connector-url",
          "http://connector.example",
          "--identity-token",
          IDENTITY,
          "--allow-insecure-http",
        ],
        allowed,
      ),
    ).toBe(0);
    expect(seen).toEqual([
      "http://connector.example/healthz",
      "http://connector.example/relay/enroll",
    ]);
  });

  it("takes the URL from GATEWAY_RELAY_URL, then config.yaml, and does not persist it", async () => {
    const c = await connector((_r, res) => sendJson(res, 200, { secret: SECRET }));
    await writeFile(
      join(home(), "config.yaml"),
      `gateway:\n  relay_url: ${c.url.replace("http", "ws")}/relay\n`,
    );
    const ctx = fakeContext({
      env: {
        HERMES_HOME: home(),
        GATEWAY_RELAY_ENROLL_TOKEN: ENROLL,
        GATEWAY_RELAY_IDENTITY_TOKEN: IDENTITY,
      },
    });
    expect(await run(["gateway", "enroll"], ctx)).toBe(0);
    expect(c.seen).toHaveLength(1);
    const text = await readFile(join(home(), ".env"), "utf8");
    expect(text).not.toContain("GATEWAY_RELAY_URL");
    expect(text).toContain("GATEWAY_RELAY_ID=gw-testhost");
  });

  it("on a terminal, replacing an existing enrollment is asked: no keeps everything and sends nothing, yes enrolls", async () => {
    const before = "GATEWAY_RELAY_ID=gw-old\nGATEWAY_RELAY_SECRET=old-secret\n";
    await writeFile(join(home(), ".env"), before);
    const c = await connector((_r, res) =>
      sendJson(res, 200, { secret: SECRET, deliveryKey: KEY }),
    );
    const args = [
      "gateway",
      "enroll",
      "--token",
      ENROLL,
      "--connector-url",
      c.url,
      "--identity-token",
      IDENTITY,
    ];
    const no = fakeContext({ env: { HERMES_HOME: home() }, stdinIsTTY: true, answers: ["n"] });
    expect(await run(args, no)).toBe(1);
    expect(no.prompts).toEqual([
      {
        question:
          'This HERMES_HOME is already enrolled as gateway "gw-old"; replace that enrollment? [y/N] ',
        mask: false,
      },
    ]);
    expect(no.err()).toContain(
      "✗ Not confirmed. Nothing was changed. The enrollment token was not used.",
    );
    expect(c.seen).toEqual([]);
    expect(c.probes).toEqual([]);
    expect(await readFile(join(home(), ".env"), "utf8")).toBe(before);

    const yes = fakeContext({ env: { HERMES_HOME: home() }, stdinIsTTY: true, answers: ["yes"] });
    expect(await run(args, yes)).toBe(0);
    expect(yes.out()).toContain('✓ Re-enrolled gateway "gw-testhost"');
    expect(c.seen).toHaveLength(1);
    expect(await readFile(join(home(), ".env"), "utf8")).toContain(
      `GATEWAY_RELAY_SECRET=${SECRET}\n`,
    );
  });

  it("records the platforms the connector reports when --platform is not given (bad names dropped)", async () => {
    const c = await connector((_r, res) =>
      sendJson(res, 200, { secret: SECRET, platforms: ["Discord", "bad name!", 7] }),
    );
    const r = await enroll(c.url, ["--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ platforms: ["discord"] });
    expect(await readFile(join(home(), ".env"), "utf8")).toContain(
      "GATEWAY_RELAY_PLATFORMS=discord\n",
    );
    expect(r.err).not.toContain("No platform recorded");
    const flagged = await enroll(c.url, ["--platform", "telegram,slack", "--force"]);
    expect(flagged.code).toBe(0);
    expect(await readFile(join(home(), ".env"), "utf8")).toContain(
      "GATEWAY_RELAY_PLATFORMS=telegram,slack\n",
    );
    const bad = await enroll(c.url, ["--platform", "no spaces", "--force"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(
      '✗ --platform expects a platform name such as discord or telegram, got "no spaces".',
    );
  });
});
