import { afterEach, describe, expect, it } from "vitest";
import { startHealthServer, type HealthServer, type HealthState } from "../src/ops/health.js";

describe("health server", () => {
  let server: HealthServer | undefined;
  afterEach(async () => server?.close());

  it("serves the provider's state as JSON on GET /healthz, 404 elsewhere, 405 for POST", async () => {
    let state: HealthState = {
      relay: { state: "connected", platform: "discord", dialCount: 2, lastClose: { code: 1006, reason: "" }, authRevoked: false },
      turnsInFlight: 1,
      draining: false,
    };
    server = await startHealthServer({ host: "127.0.0.1", port: 0, state: () => state });
    const r = await fetch(server.url);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, ...state });
    state = { ...state, relay: { ...state.relay!, authRevoked: true, state: "disabled" } };
    expect(await (await fetch(server.url)).json()).toMatchObject({ ok: false, relay: { authRevoked: true } });
    expect((await fetch(server.url.replace("/healthz", "/other"))).status).toBe(404);
    expect((await fetch(server.url, { method: "POST" })).status).toBe(405);
  });
});
