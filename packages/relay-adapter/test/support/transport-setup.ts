// A WebSocketRelayTransport dialing a RawConnector on 127.0.0.1, with its log lines kept by
// level, and the teardown of both registered for afterEach.
import { WebSocketRelayTransport, type WebSocketRelayTransportOptions } from "../../src/index.js";
import { RawConnector } from "./raw-connector.js";

export const SECRET = "s3cret-upgrade-key-for-tests-only";

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  message: string;
}

/** Teardowns registered by {@link setupLink}; run them in afterEach (latest first). */
export const cleanups: (() => Promise<unknown>)[] = [];

export async function runCleanups(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c();
}

export async function setupLink(
  over: Partial<WebSocketRelayTransportOptions> = {},
  configure?: (c: RawConnector) => void,
  connectorOptions: { autoPong?: boolean } = {},
) {
  const connector = await new RawConnector(connectorOptions).start();
  configure?.(connector);
  cleanups.push(() => connector.stop());
  const lines: LogLine[] = [];
  const logs: string[] = [];
  const keep = (level: LogLine["level"]) => (message: string) => {
    lines.push({ level, message });
    logs.push(message);
  };
  const transport = new WebSocketRelayTransport({
    url: connector.url.replace("ws://", "http://"),
    gatewayId: "gw-test",
    secret: SECRET,
    identities: [{ platform: "discord", botId: "bot-1" }],
    backoff: { initialMs: 10, maxMs: 40, jitter: 0 },
    logger: { debug: keep("debug"), info: keep("info"), warn: keep("warn"), error: keep("error") },
    ...over,
  });
  cleanups.push(() => transport.disconnect({ budgetMs: 500 }));
  return { connector, transport, logs, lines };
}
