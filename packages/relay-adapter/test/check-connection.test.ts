// checkRelayConnection against the ReferenceConnector over loopback: each outcome, its lines,
// a clean disconnect afterwards, and no secret in any line.
import { createServer, type AddressInfo, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { checkRelayConnection } from "../src/index.js";
import { ReferenceConnector } from "../src/testing/index.js";

const SECRET = "check-connection-test-secret";
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connector() {
  const c = await new ReferenceConnector({ gateways: { "gw-c": [SECRET] } }).start();
  cleanups.push(() => c.stop());
  return c;
}

const identities = [
  { platform: "discord", botId: "b1" },
  { platform: "telegram", botId: "" },
];

describe("checkRelayConnection", () => {
  it("connected: one line per descriptor, the round trip, then disconnected", async () => {
    const c = await connector();
    const r = await checkRelayConnection({
      url: c.url,
      gatewayId: "gw-c",
      secret: SECRET,
      identities,
      timeoutMs: 10_000,
      now: () => 0,
    });
    expect(r.outcome).toBe("connected");
    expect(r.lines[0]).toBe(
      `✓ connected to ${c.url} as gw-c: handshake round trip 0 ms (dial → descriptor)`,
    );
    expect(r.lines.join("\n")).toMatch(/platform\s+discord[\s\S]*platform\s+telegram/);
    expect(r.lines.at(-1)).toBe("✓ disconnected");
    expect(r.lines.join("\n")).not.toContain(SECRET);
    expect(c.dialCount("gw-c")).toBe(1); // one dial, never a retry
  });

  it("revoked (4401) and unreachable are told apart", async () => {
    const c = await connector();
    c.revoke("gw-c");
    const revoked = await checkRelayConnection({
      url: c.url,
      gatewayId: "gw-c",
      secret: SECRET,
      identities,
      timeoutMs: 10_000,
    });
    expect(revoked.outcome).toBe("revoked");
    expect(revoked.lines[0]).toContain("refused the secret of gw-c (close 4401 unauthorized)");
    const port = c.port;
    await c.stop();
    cleanups.length = 0;
    const down = await checkRelayConnection({
      url: `ws://127.0.0.1:${port}/relay`,
      gatewayId: "gw-c",
      secret: SECRET,
      identities,
      timeoutMs: 10_000,
    });
    expect(down.outcome).toBe("unreachable");
    expect(down.lines[0]).toMatch(
      /^✗ cannot reach the connector at ws:\/\/127\.0\.0\.1:\d+\/relay: /,
    );
  });

  it("a peer that accepts TCP and never answers: timeout at timeoutMs", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    cleanups.push(
      () =>
        new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), silent.close(() => r()))),
    );
    const url = `ws://127.0.0.1:${(silent.address() as AddressInfo).port}/relay`;
    const r = await checkRelayConnection({
      url,
      gatewayId: "gw-c",
      secret: SECRET,
      identities,
      timeoutMs: 200,
    });
    expect(["timeout", "unreachable"]).toContain(r.outcome);
    expect(r.lines[0]).toMatch(/no handshake with .* within 200 ms|cannot reach the connector/);
  });

  it("a hostile connector's descriptor and close reason are shown without control characters, bounded", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/relay" });
    await new Promise((r) => wss.once("listening", r));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const c of wss.clients) c.terminate();
          wss.close(() => r());
        }),
    );
    let refuse = false;
    const escapes = "\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202e\r\nFAKE";
    wss.on("connection", (ws) => {
      if (refuse) return void ws.close(4401, `unauthorized${escapes}`);
      ws.on("message", (data: Buffer) => {
        const hello = JSON.parse(data.toString().split("\n")[0]!) as { platform: string };
        const descriptor = {
          platform: `${hello.platform}${escapes}`,
          label: `L${escapes}`,
          len_unit: `chars${escapes}`,
          supported_ops: [
            "send",
            `op${escapes}`,
            "y".repeat(5000),
            ...Array.from({ length: 500 }, (_, i) => `op${i}`),
          ],
        };
        ws.send(`${JSON.stringify({ type: "descriptor", descriptor })}\n`);
      });
    });
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/relay`;
    const check = () =>
      checkRelayConnection({
        url,
        gatewayId: "gw-c",
        secret: SECRET,
        identities: [identities[0]!],
        timeoutMs: 10_000,
      });
    const connected = await check();
    expect(connected.outcome).toBe("connected");
    refuse = true;
    const revoked = await check();
    expect(revoked.outcome).toBe("revoked");
    for (const r of [connected, revoked]) {
      const text = r.lines.join("\n");
      // eslint-disable-next-line no-control-regex -- control characters are what is checked
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
      expect(text).not.toMatch(/\nFAKE/);
      for (const line of r.lines) expect(line.length).toBeLessThan(1000);
    }
    expect(connected.lines.join("\n")).toContain("(471 more)");
  });
});
