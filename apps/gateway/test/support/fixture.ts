// What each process test file needs around the built bin: ReferenceConnectors and gateway
// processes that are stopped after each test, and the check that no secret appeared in any
// output line of any gateway run.
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { ReferenceConnector } from "@hermes/relay-adapter/testing";
import { expect } from "vitest";
import type { GatewayProcess } from "./gateway-process.js";

export class ProcessTestFixture {
  readonly cleanups: (() => unknown)[] = [];
  readonly processes: GatewayProcess[] = [];

  /** `secrets[0]` is the gateway's upgrade secret at the connector; all of them must stay out of every output. */
  constructor(
    readonly gatewayId: string,
    readonly secrets: readonly [string, ...string[]],
  ) {}

  async connector(): Promise<ReferenceConnector> {
    const c = await new ReferenceConnector({
      gateways: { [this.gatewayId]: [this.secrets[0]] },
    }).start();
    this.cleanups.push(() => c.stop());
    return c;
  }

  /** For `afterEach`. */
  async teardown(): Promise<void> {
    for (const p of this.processes.splice(0)) {
      for (const s of this.secrets) expect(p.raw).not.toContain(s);
      p.cleanup();
    }
    for (const c of this.cleanups.splice(0).reverse()) await c();
  }
}

/** A port on 127.0.0.1 that was free a moment ago (for a server a test starts later). */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
