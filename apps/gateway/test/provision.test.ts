// provisionRelay against a ReferenceConnector on 127.0.0.1: per-platform outcomes, the
// secretIssued:false answer, fail-soft per platform, and neither the identity token nor the
// issued secret in any log line.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ReferenceConnector } from "@hermes/relay-adapter/testing";
import { afterEach, describe, expect, it } from "vitest";
import { provisionRelay, type ProvisionOptions } from "../src/runtime/provision.js";

const TOKEN = "provision-identity-token-0123456789";
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function logger() {
  const lines: string[] = [];
  const log = {
    info: (o: object, m: string) => void lines.push(`${m} ${JSON.stringify(o)}`),
    warn: (o: object, m: string) => void lines.push(`${m} ${JSON.stringify(o)}`),
  };
  return { lines, log };
}

async function connector(): Promise<ReferenceConnector> {
  const c = await new ReferenceConnector({ identityTokens: [TOKEN] }).start();
  cleanups.push(() => c.stop());
  return c;
}

const base = (url: string, log: ProvisionOptions["log"]): ProvisionOptions => ({
  relayUrl: url,
  identityToken: TOKEN,
  gatewayId: "gw-prov",
  identities: [
    { platform: "discord", botId: "d" },
    { platform: "telegram", botId: "t" },
  ],
  endpoint: null,
  routeKeys: [],
  instanceId: null,
  wakeUrl: null,
  log,
});

describe("provisionRelay", () => {
  it("issues once, then reads secretIssued:false as valid (kept), and omits absent keys", async () => {
    const c = await connector();
    const { lines, log } = logger();
    const r = await provisionRelay(base(c.url, log));
    expect(r.platforms.map((p) => p.status)).toEqual(["issued", "kept"]);
    expect(r.secret).toMatch(/^[\da-f]{64}$/);
    expect(r.deliveryKey).toMatch(/^[\da-f]{64}$/);
    expect(c.provisions[0]).toEqual({ gatewayId: "gw-prov", platform: "discord", botId: "d" });
    expect(c.hasGateway("gw-prov")).toBe(true);
    for (const l of lines) {
      expect(l).not.toContain(TOKEN);
      expect(l).not.toContain(r.secret!);
    }
    // A restarted process has no secret and the connector issues none: said, not hidden.
    const again = await provisionRelay(base(c.url, log));
    expect([again.secret, again.platforms.map((p) => p.status)]).toEqual([null, ["kept", "kept"]]);
    expect(lines.some((l) => l.includes("secretIssued: false"))).toBe(true);
  });

  it("is fail-soft per platform and names why", async () => {
    const c = await connector();
    const { lines, log } = logger();
    c.failNext("provision", { status: 503, body: { error: "maintenance" } });
    const r = await provisionRelay(base(c.url, log));
    expect(r.platforms).toEqual([
      {
        platform: "discord",
        status: "failed",
        error: "the connector returned HTTP 503: maintenance",
      },
      { platform: "telegram", status: "issued", tenant: "tenant-dev" },
    ]);
    expect(r.secret).not.toBeNull();
    const refused = await provisionRelay({ ...base(c.url, log), identityToken: "wrong-token" });
    expect(refused.platforms.map((p) => (p.status === "failed" ? p.error : p.status))).toEqual([
      "the connector rejected the caller identity (401)",
      "the connector rejected the caller identity (401)",
    ]);
    expect(lines.join("\n")).not.toContain("wrong-token");
  });

  it("refuses a redirect (it would carry the bearer elsewhere), an oversized or non-JSON answer, and an unreachable connector", async () => {
    let mode = "redirect";
    const server = createServer((req, res) => {
      req.resume();
      if (mode === "redirect")
        res.writeHead(307, { location: "http://127.0.0.1:1/elsewhere" }).end();
      else if (mode === "big")
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(`{"secret":"${"a".repeat(70_000)}"}`);
      else res.writeHead(200, { "content-type": "text/html" }).end("<html>");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { log } = logger();
    const one = { ...base(url, log), identities: [{ platform: "discord", botId: "d" }] };
    const statusOf = async () => {
      const p = (await provisionRelay(one)).platforms[0]!;
      return p.status === "failed" ? p.error : p.status;
    };
    expect(await statusOf()).toMatch(/^could not reach the connector/);
    mode = "big";
    expect(await statusOf()).toBe("the connector's answer is larger than 65536 bytes");
    mode = "html";
    expect(await statusOf()).toBe("the connector returned a response that is not a JSON object");
    const unreachable = await provisionRelay({ ...one, relayUrl: "http://127.0.0.1:1" });
    expect(unreachable.platforms[0]).toMatchObject({ status: "failed" });
  });
});
