import { afterEach, describe, expect, it } from "vitest";
import { startHealthServer, type HealthServer, type HealthState } from "../src/ops/health.js";
import { outboundKind, type MetricsSnapshot } from "../src/ops/metrics-events.js";
import { GatewayMetrics } from "../src/ops/metrics.js";
import { parseExposition } from "./support/exposition.js";

const connected: HealthState = {
  relay: {
    state: "connected",
    platform: "discord",
    dialCount: 2,
    lastClose: { code: 1006, reason: "" },
    authRevoked: false,
  },
  turnsInFlight: 1,
  draining: false,
};

describe("health server", () => {
  let server: HealthServer | undefined;
  afterEach(async () => server?.close());

  it("serves the provider's state as JSON on GET /healthz, 404 elsewhere, 405 for POST", async () => {
    let state: HealthState = connected;
    server = await startHealthServer({ host: "127.0.0.1", port: 0, state: () => state });
    const r = await fetch(server.url);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, ...state });
    state = { ...state, relay: { ...state.relay!, authRevoked: true, state: "disabled" } };
    expect(await (await fetch(server.url)).json()).toMatchObject({
      ok: false,
      relay: { authRevoked: true },
    });
    expect((await fetch(server.url.replace("/healthz", "/other"))).status).toBe(404);
    expect((await fetch(server.url.replace("/healthz", "/metrics"))).status).toBe(404); // no metrics source given
    expect((await fetch(server.url, { method: "POST" })).status).toBe(405);
  });

  it("/readyz: 200 only while the link is handshaken and not draining, else 503 with a reason", async () => {
    let state: HealthState = connected;
    server = await startHealthServer({ host: "127.0.0.1", port: 0, state: () => state });
    const ready = server.url.replace("/healthz", "/readyz");
    const get = async () => {
      const r = await fetch(ready);
      return { status: r.status, body: (await r.json()) as { ready: boolean; reason?: string } };
    };
    expect(await get()).toEqual({ status: 200, body: { ready: true } });
    state = { ...connected, relay: { ...connected.relay!, state: "connecting" } };
    expect(await get()).toEqual({
      status: 503,
      body: { ready: false, reason: "relay link connecting (not handshaken)" },
    });
    state = { ...connected, draining: true };
    expect(await get()).toMatchObject({
      status: 503,
      body: { ready: false, reason: expect.stringContaining("draining") },
    });
    state = { ...connected, relay: { ...connected.relay!, state: "disabled", authRevoked: true } };
    expect(await get()).toMatchObject({
      status: 503,
      body: { reason: expect.stringContaining("revoked") },
    });
    expect((await fetch(server.url)).status).toBe(200); // liveness is unaffected
    expect((await fetch(ready, { method: "DELETE" })).status).toBe(405);
  });

  it("/metrics: Prometheus text from a private registry, events and gauges read at scrape time", async () => {
    let snap: MetricsSnapshot = {
      linkState: "connecting",
      dials: 1,
      closeCodes: {},
      queueDepth: 0,
      turnsInFlight: 0,
      waitingForRoom: 0,
      journalWritable: 1,
    };
    const metrics = new GatewayMetrics({ version: "9.9.9-test", collect: () => snap });
    server = await startHealthServer({
      host: "127.0.0.1",
      port: 0,
      state: () => connected,
      metrics,
    });
    const url = server.url.replace("/healthz", "/metrics");
    const scrape = async () => {
      const r = await fetch(url);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      return parseExposition(await r.text());
    };

    const first = await scrape();
    expect(first.value("hermes_gateway_info", { version: "9.9.9-test" })).toBe(1);
    expect(first.value("hermes_gateway_link_state", { state: "connecting" })).toBe(1);
    expect(first.value("hermes_gateway_link_state", { state: "connected" })).toBe(0);
    expect(first.value("hermes_gateway_dials_total")).toBe(1);
    for (const outcome of [
      "replied",
      "empty",
      "denied",
      "failed",
      "cancelled",
      "draining",
      "shed",
      "duplicate",
    ]) {
      expect(first.value("hermes_gateway_turns_total", { outcome })).toBe(0);
    }
    expect(first.type("hermes_gateway_turns_total")).toBe("counter");
    expect(first.type("hermes_gateway_turn_duration_seconds")).toBe("histogram");
    expect(first.type("hermes_gateway_link_state")).toBe("gauge");
    // Default process metrics, under the same prefix.
    expect(first.value("hermes_gateway_process_resident_memory_bytes")).toBeGreaterThan(0);

    metrics.turn("replied", 0.2);
    metrics.turn("replied", 3);
    metrics.turn("denied");
    metrics.duplicate();
    metrics.shed();
    metrics.outbound(outboundKind({ success: true }));
    metrics.outbound(outboundKind({ success: false, ambiguous: true }));
    metrics.outbound(outboundKind({ success: false, unsupported: true }));
    metrics.outbound(outboundKind({ success: false, code: "egress_declined" }));
    metrics.outbound(outboundKind({ success: false, error: "relay transport not connected" }));
    snap = {
      linkState: "connected",
      dials: 3,
      closeCodes: { 1006: 2, 4401: 1 },
      queueDepth: 5,
      turnsInFlight: 2,
      waitingForRoom: 4,
      journalWritable: 0,
    };

    const m = await scrape();
    expect(m.value("hermes_gateway_link_state", { state: "connected" })).toBe(1);
    expect(m.value("hermes_gateway_link_state", { state: "connecting" })).toBe(0);
    expect(m.value("hermes_gateway_dials_total")).toBe(3);
    expect(m.value("hermes_gateway_queue_depth")).toBe(5);
    expect(m.value("hermes_gateway_turns_in_flight")).toBe(2);
    expect(m.value("hermes_gateway_replays_waiting_for_room")).toBe(4);
    expect(m.value("hermes_gateway_journal_writable")).toBe(0);
    expect(m.value("hermes_gateway_turns_total", { outcome: "replied" })).toBe(2);
    expect(m.value("hermes_gateway_turns_total", { outcome: "denied" })).toBe(1);
    expect(m.value("hermes_gateway_turns_total", { outcome: "duplicate" })).toBe(1);
    expect(m.value("hermes_gateway_turns_total", { outcome: "shed" })).toBe(1);
    expect(m.value("hermes_gateway_duplicates_dropped_total")).toBe(1);
    expect(m.value("hermes_gateway_turn_duration_seconds_count", { outcome: "replied" })).toBe(2);
    expect(
      m.value("hermes_gateway_turn_duration_seconds_bucket", { outcome: "replied", le: "0.25" }),
    ).toBe(1);
    expect(
      m.value("hermes_gateway_turn_duration_seconds_bucket", { outcome: "replied", le: "5" }),
    ).toBe(2);
    expect(m.value("hermes_gateway_turn_duration_seconds_sum", { outcome: "replied" })).toBeCloseTo(
      3.2,
    );
    for (const kind of ["ok", "ambiguous", "unsupported", "declined", "failed"]) {
      expect(m.value("hermes_gateway_outbound_results_total", { kind })).toBe(1);
    }
    expect(m.value("hermes_gateway_link_closes_total", { code: "1006" })).toBe(2);
    expect(m.value("hermes_gateway_link_closes_total", { code: "4401" })).toBe(1);

    // A dial or close count never goes backwards in the exposition, even if a snapshot did.
    snap = { ...snap, dials: 2, closeCodes: { 1006: 1, 4401: 2 } };
    const later = await scrape();
    expect(later.value("hermes_gateway_dials_total")).toBe(3);
    expect(later.value("hermes_gateway_link_closes_total", { code: "1006" })).toBe(2);
    expect(later.value("hermes_gateway_link_closes_total", { code: "4401" })).toBe(2);
    // Turns and outbound results are tallied between scrapes: a scrape adds them once.
    expect(later.value("hermes_gateway_turns_total", { outcome: "replied" })).toBe(2);
    expect(later.value("hermes_gateway_outbound_results_total", { kind: "ok" })).toBe(1);
    metrics.turn("replied", 0.1);
    metrics.outbound("ok");
    const third = await scrape();
    expect(third.value("hermes_gateway_turns_total", { outcome: "replied" })).toBe(3);
    expect(third.value("hermes_gateway_turns_total", { outcome: "denied" })).toBe(1);
    expect(third.value("hermes_gateway_outbound_results_total", { kind: "ok" })).toBe(2);
  });

  it("two GatewayMetrics in one process do not share or clash (private registries)", async () => {
    const collect = (): MetricsSnapshot => ({
      linkState: "connected",
      dials: 0,
      closeCodes: {},
      queueDepth: 0,
      turnsInFlight: 0,
      waitingForRoom: 0,
      journalWritable: 1,
    });
    const a = new GatewayMetrics({ version: "a", collect, processMetrics: false });
    const b = new GatewayMetrics({ version: "b", collect, processMetrics: false });
    a.turn("failed", 1);
    expect(
      parseExposition(await a.render()).value("hermes_gateway_turns_total", { outcome: "failed" }),
    ).toBe(1);
    expect(
      parseExposition(await b.render()).value("hermes_gateway_turns_total", { outcome: "failed" }),
    ).toBe(0);
  });
});
