import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { postRelayPolicies } from "./policy-post.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (b: Buffer) => (body += b.toString("utf8")));
    req.on("end", () => handle(req, body, res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/relay`;
}

function recorder() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  return {
    lines,
    log: {
      info: (obj: object, msg: string) => lines.push({ level: "info", obj, msg }),
      warn: (obj: object, msg: string) => lines.push({ level: "warn", obj, msg }),
    },
  };
}

const policy = {
  platform: "discord",
  requireAddress: true,
  freeResponseScopes: ["123"],
  allowOtherBots: false,
};

describe("postRelayPolicies", () => {
  it("POSTs each policy with an upgrade-token bearer and counts the 2xx answers", async () => {
    const seen: { path: string; auth: string; body: unknown }[] = [];
    const relayUrl = await serve((req, body, res) => {
      seen.push({
        path: req.url ?? "",
        auth: req.headers.authorization ?? "",
        body: JSON.parse(body) as unknown,
      });
      res.writeHead(204).end();
    });
    const { lines, log } = recorder();
    const accepted = await postRelayPolicies({
      relayUrl,
      gatewayId: "gw-1",
      secret: "policy-secret-0123456789abcdef01234567",
      policies: [policy, { ...policy, platform: "slack" }],
      log,
    });
    expect(accepted).toBe(2);
    expect(seen.map((s) => s.path)).toEqual(["/relay/policy", "/relay/policy"]);
    expect(seen[0]!.auth).toMatch(/^Bearer \S+/);
    expect(seen[0]!.body).toEqual(policy);
    expect(lines.map((l) => l.msg)).toEqual(["relay policy declared", "relay policy declared"]);
  });

  it("a redirect is a refusal, never followed; refusals, silence and no listener are logged, never thrown", async () => {
    let followed = false;
    const elsewhere = await serve((_req, _body, res) => {
      followed = true;
      res.writeHead(204).end();
    });
    const redirecting = await serve((_req, _body, res) =>
      res.writeHead(307, { location: elsewhere.replace("ws:", "http:") }).end(),
    );
    const silent = await serve(() => undefined);
    const { lines, log } = recorder();
    const base = { gatewayId: "gw-1", secret: null, policies: [policy], log };
    expect(await postRelayPolicies({ ...base, relayUrl: redirecting })).toBe(0);
    expect(followed).toBe(false);
    expect(await postRelayPolicies({ ...base, relayUrl: silent, timeoutMs: 200 })).toBe(0);
    expect(await postRelayPolicies({ ...base, relayUrl: "ws://127.0.0.1:1/relay" })).toBe(0);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ["warn", "relay policy refused by the connector; continuing"],
      ["warn", "relay policy not sent (connector unreachable); continuing"],
      ["warn", "relay policy not sent (connector unreachable); continuing"],
    ]);
    expect(lines[0]!.obj).toEqual({ platform: "discord", status: 307 });
  });
});
