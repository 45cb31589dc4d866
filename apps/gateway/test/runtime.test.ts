// GatewayRuntime in-process against a ReferenceConnector: what /healthz reports across the
// link's life, including the revocation window the process tests cannot observe (the
// process exits right after).
import { RELAY_DISABLED_MESSAGE } from "@hermes/relay-adapter";
import { ReferenceConnector } from "@hermes/relay-adapter/testing";
import { eventually } from "@hermes/vitest-config/eventually";
import { afterEach, describe, expect, it } from "vitest";
import { capturedLogger } from "./support/captured-log.js";
import { resolveConfig } from "../src/config/resolve.js";
import { EXIT, GatewayRuntime } from "../src/runtime/gateway.js";

const SECRET = "runtime-test-secret-0123456789";
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start() {
  const connector = await new ReferenceConnector({ gateways: { "gw-rt": [SECRET] } }).start();
  cleanups.push(() => connector.stop());
  const config = resolveConfig({
    env: {
      HERMES_HOME: "/nonexistent-hermes-home",
      GATEWAY_RELAY_URL: connector.baseUrl,
      GATEWAY_RELAY_ID: "gw-rt",
      GATEWAY_RELAY_SECRET: SECRET,
      GATEWAY_RELAY_PLATFORMS: "telegram",
      GATEWAY_HEALTH_PORT: "0",
    },
    readFile: () => null,
  });
  const { log, lines } = capturedLogger(config.secretValues);
  // The runtime dials before start() resolves (health server and receiver come after the dial).
  const handshake = connector.waitFor("handshake");
  const runtime = await GatewayRuntime.start({
    config,
    log,
    env: {},
    transport: { backoff: { initialMs: 10, maxMs: 20, jitter: 0 } },
  });
  cleanups.push(() => runtime.stop("test over"));
  return { connector, runtime, lines, handshake };
}

describe("GatewayRuntime health", () => {
  it("reports connecting → connected (with the descriptor platform) and serves /healthz", async () => {
    const { runtime, handshake } = await start();
    await handshake;
    await eventually(() => runtime.health().relay?.state === "connected", "relay state connected");
    expect(runtime.health()).toMatchObject({
      relay: {
        state: "connected",
        platform: "telegram",
        dialCount: 1,
        lastClose: null,
        authRevoked: false,
      },
      turnsInFlight: 0,
      draining: false,
    });
    const body = (await (await fetch(runtime.healthUrl!)).json()) as { ok: boolean };
    expect(body.ok).toBe(true);
  });

  it("after a revocation: state disabled, authRevoked, ok false, the log line, exit code 3, no secret logged", async () => {
    const { connector, runtime, lines, handshake } = await start();
    await handshake;
    const health = runtime.healthUrl!;
    connector.revoke("gw-rt");
    await eventually(() => runtime.health().relay?.authRevoked === true, "authRevoked in health");
    expect(runtime.health().relay).toMatchObject({
      state: "disabled",
      authRevoked: true,
      lastClose: { code: 4401, reason: "unauthorized" },
    });
    expect(await runtime.exited).toBe(EXIT.revoked);
    expect(lines.some((l) => JSON.parse(l).msg === RELAY_DISABLED_MESSAGE)).toBe(true);
    expect(lines.join("")).not.toContain(SECRET);
    await expect(fetch(health)).rejects.toThrow(); // the health server closed with the process' work
  });
});
