// An in-process GatewayRuntime with its turn journal on (echo agent, no typing or reactions)
// under a fresh HERMES_HOME, dialing a ReferenceConnector; both torn down through `cleanups`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WebSocketRelayTransportOptions } from "@hermes/relay-adapter";
import { ReferenceConnector } from "@hermes/relay-adapter/testing";
import { resolveConfig } from "../../src/config/resolve.js";
import { GatewayRuntime } from "../../src/runtime/gateway.js";
import { capturedLogger } from "./captured-log.js";

export async function journalledRuntime(
  gatewayId: string,
  cleanups: (() => Promise<unknown> | void)[],
  transport?: Partial<WebSocketRelayTransportOptions>,
): Promise<{ connector: ReferenceConnector; home: string; start: () => Promise<GatewayRuntime> }> {
  const secret = `${gatewayId}-test-secret-0123456789abcdef`;
  const connector = await new ReferenceConnector({ gateways: { [gatewayId]: [secret] } }).start();
  cleanups.push(() => connector.stop());
  const home = mkdtempSync(join(tmpdir(), `${gatewayId}-`));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const config = resolveConfig({
    env: {
      HERMES_HOME: home,
      GATEWAY_RELAY_URL: connector.baseUrl,
      GATEWAY_RELAY_ID: gatewayId,
      GATEWAY_RELAY_SECRET: secret,
      GATEWAY_RELAY_PLATFORMS: "discord",
      GATEWAY_AGENT: "echo",
      GATEWAY_TYPING_INTERVAL_MS: "0",
      GATEWAY_REACTIONS: "none",
    },
    readFile: () => null,
  });
  const { log } = capturedLogger(config.secretValues);
  const start = async (): Promise<GatewayRuntime> => {
    const runtime = await GatewayRuntime.start({
      config,
      log,
      env: {},
      journal: true,
      ...(transport === undefined ? {} : { transport }),
    });
    cleanups.push(() => runtime.stop("test over"));
    return runtime;
  };
  return { connector, home, start };
}
