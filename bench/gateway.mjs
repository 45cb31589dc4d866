// bench/gateway: the BUILT hermes-gateway (`node apps/gateway/dist/cli.js run`, echo agent) as
// a child process against a ReferenceConnector in this process: messages/s and p50/p99
// latency from connector push to the reply recorded by the connector, against the raw
// relay-adapter round trip (a bare RelayAdapter echoing in its own child process, same
// connector, same run, rounds interleaved). The headline gateway runs as configured by default
// (no health port: no /metrics), as BENCH_GATEWAY_CHILDREN (2) children of its own beside as many
// bare-echo children, the figure being their mean rate per round; a further gateway child with
// GATEWAY_HEALTH_PORT set (health endpoints and Prometheus metrics recorded per turn) is measured
// in the same rounds. With one chat in flight so is a contract floor (support/echo-contract.mjs:
// the bare echo plus the one write(2) right after each reply and the one-reply-at-a-time order that
// the gateway's delivery contract needs): what of the gap is the contract, what the gateway's
// code. Memory: the first default gateway's VmRSS idle and after 10k messages (target: growth
// < 20 MB).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { ReferenceConnector } from "@hermes/relay-adapter/testing";
import {
  heading,
  median,
  percentile,
  printRow,
  requireBuilt,
  ROUNDS,
  setting,
  SMOKE,
} from "./harness.mjs";
import { startChild } from "./support/ipc.mjs";

const BIN = fileURLToPath(new URL("../apps/gateway/dist/cli.js", import.meta.url));
const ROUND_MS = setting("BENCH_NET_ROUND_MS", 700, 50);
const WARM_MS = Math.min(200, ROUND_MS);
const RSS_MESSAGES = setting("BENCH_GATEWAY_MESSAGES", 10_000, 50);
// Before the throughput rounds every child answers this many messages (16 in flight), the same
// work for each: the gateway's optimizing compiler is still at work for several seconds of
// traffic (BENCH.md, runs of 2026-12-02 19:20–20:20), and a daemon's throughput is the one it settles at.
const WARM_MESSAGES = setting("BENCH_GATEWAY_WARM_MESSAGES", 20_000, 50);
// Pause before each memory reading so boot-time and in-flight work settles.
const SETTLE_MS = setting("BENCH_SETTLE_MS", 1_000, 0);
const RSS_TARGET_MB = 20;
const GATEWAY_ID = "gw-bench";
const METRICS_ID = "gw-bench-metrics";
const BASELINE_ID = "gw-bench-raw";
// The bare echo plus what the gateway's delivery contract alone requires on the reply path
// (support/echo-contract.mjs): what the gateway costs beyond it is its own code.
const FLOOR_ID = "gw-bench-floor";
// Two children of one build differ by up to 10% in one run (where each process's memory landed,
// which core it kept: BENCH.md, 2026-12-02 14:30): the throughput figures average this many
// gateway children and as many bare-echo children, each measured in every round.
const CHILDREN = setting("BENCH_GATEWAY_CHILDREN", 2, 1);
/** `first`, then `first-2`, `first-3`…: one id per child. */
const childIds = (first) =>
  Array.from({ length: CHILDREN }, (_, i) => (i === 0 ? first : `${first}-${i + 1}`));
const gatewayIds = childIds(GATEWAY_ID);
const baselineIds = childIds(BASELINE_ID);
const ALL_IDS = [...gatewayIds, METRICS_ID, ...baselineIds, FLOOR_ID];

const built = requireBuilt(
  BIN,
  "@hermes/gateway",
  "node scripts/pnpm.mjs exec turbo run build --filter=@hermes/gateway...",
);

const mb = (bytes) => (bytes / (1024 * 1024)).toFixed(1);
const vmRssMb = (pid) => {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

if (built) {
  heading("@hermes/gateway, echo agent, built bin");
  const secretOf = Object.fromEntries(ALL_IDS.map((id) => [id, randomBytes(32).toString("hex")]));
  const connector = await new ReferenceConnector({
    gateways: Object.fromEntries(Object.entries(secretOf).map(([id, secret]) => [id, [secret]])),
  }).start();

  // Replies come back as `send` outbounds whose content is the pushed text (echo).
  const waiting = new Map();
  connector.on("outbound", (rec) => {
    if (rec.action.op !== "send") return;
    const key = `${rec.gatewayId}\n${rec.action.content}`;
    const done = waiting.get(key);
    if (done !== undefined) {
      waiting.delete(key);
      done();
    }
  });
  let seq = 0;
  /** Push one message to `gatewayId` in chat `chat` and resolve with the push→reply latency (ms). */
  function roundTrip(gatewayId, chat) {
    const text = `bench message ${++seq}`;
    const t0 = performance.now();
    const replied = new Promise((resolve) => waiting.set(`${gatewayId}\n${text}`, resolve));
    const pushed = connector.pushInbound(
      {
        text,
        message_type: "text",
        message_id: String(seq),
        source: {
          platform: "discord",
          chat_id: `12000000000000${chat}`,
          chat_type: "group",
          chat_name: "general",
          user_id: "1100000000000000003",
          user_name: "ada",
          guild_id: "1000000000000000004",
        },
      },
      { gatewayId },
    );
    if (pushed.delivered !== "live")
      throw new Error(`${gatewayId} is not connected (push ${pushed.delivered})`);
    return replied.then(() => performance.now() - t0);
  }

  /** `concurrency` loops, each in its own chat (its own session), for `ms`. */
  async function round(gatewayId, concurrency, ms, latencies) {
    let ops = 0;
    const t0 = performance.now();
    const end = t0 + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, chat) => {
        while (performance.now() < end) {
          latencies.push(await roundTrip(gatewayId, chat));
          ops++;
        }
      }),
    );
    return (ops / (performance.now() - t0)) * 1000;
  }

  async function messages(gatewayId, n, concurrency) {
    let left = n;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, chat) => {
        while (left > 0) {
          left--;
          await roundTrip(gatewayId, chat);
        }
      }),
    );
  }

  // ── the gateway children ───────────────────────────────────────────────
  // --expose-gc plus a preload that runs gc() on SIGUSR2: only for a diagnostic reading after a
  // full GC; the headline figures are plain VmRSS. BENCH_GATEWAY_NODE_FLAGS adds V8 flags.
  const GC_PRELOAD = fileURLToPath(new URL("./support/gc-on-signal.cjs", import.meta.url));
  const nodeFlags = (process.env.BENCH_GATEWAY_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  const homes = [];
  /** `hermes-gateway run` with the echo agent as `id`; `env` adds settings. */
  function spawnGateway(id, secret, env = {}) {
    const home = mkdtempSync(join(tmpdir(), "hermes-bench-gw-"));
    homes.push(home);
    const child = spawn(
      process.execPath,
      ["--expose-gc", "-r", GC_PRELOAD, ...nodeFlags, BIN, "run"],
      {
        env: {
          PATH: process.env.PATH ?? "",
          HERMES_HOME: home,
          GATEWAY_RELAY_URL: connector.url,
          GATEWAY_RELAY_PLATFORMS: "discord",
          GATEWAY_RELAY_ID: id,
          GATEWAY_RELAY_SECRET: secret,
          GATEWAY_LOG_LEVEL: "warn",
          GATEWAY_AGENT: "echo",
          // No typing/reaction ops per turn, so the figure stays comparable with runs before they
          // existed (0 turns typing off; "none" turns reactions off on every platform).
          GATEWAY_TYPING_INTERVAL_MS: "0",
          GATEWAY_REACTIONS: "none",
          ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const g = { child, output: "", stderr: "" };
    child.stdout.on("data", (b) => (g.output = (g.output + b.toString("utf8")).slice(-4000)));
    child.stderr.on("data", (b) => {
      const text = b.toString("utf8");
      g.stderr += text;
      g.output = (g.output + text).slice(-4000);
    });
    g.exited = new Promise((resolve) =>
      child.on("exit", (code, signal) => resolve(code ?? signal)),
    );
    return g;
  }
  // The first is the one whose memory is read; the others only count in the throughput figures.
  const gateways = gatewayIds.map((id) => spawnGateway(id, secretOf[id]));
  const main = gateways[0];
  const withMetrics = spawnGateway(METRICS_ID, secretOf[METRICS_ID], { GATEWAY_HEALTH_PORT: "0" });
  const gateway = main.child;
  const spawnedAt = performance.now();
  /** Ask the preload for a full GC and its memoryUsage(); resolves with it (and VmRSS after). */
  async function gcReading() {
    const seen = main.stderr.length;
    gateway.kill("SIGUSR2");
    for (let i = 0; i < 100; i++) {
      await sleep(20);
      const m = /bench-memory (\{[^\n]*\})\n/.exec(main.stderr.slice(seen));
      if (m) return { ...JSON.parse(m[1]), vmRss: vmRssMb(gateway.pid) };
    }
    throw new Error("the gateway did not answer the memory probe");
  }
  const baselines = await Promise.all(
    baselineIds.map((id) =>
      startChild(new URL("./support/echo-adapter.mjs", import.meta.url), {
        env: {
          PATH: process.env.PATH ?? "",
          BENCH_RELAY_URL: connector.url,
          BENCH_RELAY_ID: id,
          BENCH_RELAY_SECRET: secretOf[id],
        },
      }),
    ),
  );
  const baseline = baselines[0];
  const floor = await startChild(new URL("./support/echo-contract.mjs", import.meta.url), {
    env: {
      PATH: process.env.PATH ?? "",
      BENCH_RELAY_URL: connector.url,
      BENCH_RELAY_ID: FLOOR_ID,
      BENCH_RELAY_SECRET: secretOf[FLOOR_ID],
    },
  });

  try {
    // The bundled gateway can handshake while the baseline child is still starting: only wait
    // for a handshake that has not happened yet.
    for (const [id, g] of [
      ...gatewayIds.map((id, i) => [id, gateways[i]]),
      [METRICS_ID, withMetrics],
    ]) {
      await Promise.race([
        connector.isConnected(id)
          ? Promise.resolve()
          : connector.waitFor("handshake", (e) => e.gatewayId === id, 30_000),
        g.exited.then((code) => {
          throw new Error(`gateway ${id} exited (${code}) before connecting:\n${g.output}`);
        }),
      ]);
    }
    if (process.env.BENCH_VERBOSE)
      console.log(`  gateway linked ${(performance.now() - spawnedAt).toFixed(0)} ms after spawn`);
    for (const id of [...baselineIds, FLOOR_ID])
      if (!connector.isConnected(id))
        await connector.waitFor("handshake", (e) => e.gatewayId === id, 15_000);

    // ── memory: idle, then after 10k messages ───────────────────────────
    await sleep(SETTLE_MS); // let boot-time work (policy POST, health server) settle
    const idle = vmRssMb(gateway.pid);
    const idleGc = await gcReading();
    const t0 = performance.now();
    await messages(GATEWAY_ID, RSS_MESSAGES, 16);
    const tenKSeconds = (performance.now() - t0) / 1000;
    await sleep(SETTLE_MS);
    const after = vmRssMb(gateway.pid);
    const afterGc = await gcReading();
    // The bare RelayAdapter echo child, same 10k messages, for reference.
    const baseIdle = vmRssMb(baseline.child.pid);
    await messages(BASELINE_ID, RSS_MESSAGES, 16);
    await sleep(SETTLE_MS);
    const baseAfter = vmRssMb(baseline.child.pid);

    // ── throughput and latency ──────────────────────────────────────────
    for (const id of ALL_IDS) await messages(id, WARM_MESSAGES, 16);
    console.log(
      `  every child answered ${WARM_MESSAGES.toLocaleString("en-US")} messages (16 in flight) before the rounds`,
    );
    for (const concurrency of [1, 16]) {
      // warm every child up
      for (const id of ALL_IDS) await round(id, concurrency, WARM_MS, []);
      // Rates per child, one per round; latencies pooled per kind.
      const ratesOf = new Map(ALL_IDS.map((id) => [id, []]));
      const latA = [];
      const latM = [];
      const latB = [];
      const latF = [];
      // Interleaved, and the order rotates each round: a child measured right after another
      // one ran faster or slower for it (up to ±10% at one chat on this VM, the same build in two
      // slots), so each takes each place in turn.
      const slots = [
        ...gatewayIds.map((id) => [id, latA]),
        ...baselineIds.map((id) => [id, latB]),
        [METRICS_ID, latM],
        // The floor writes once per reply, the minimum with one chat in flight; with 16 the
        // gateway batches its records (one write(2) per event-loop turn), so it is no floor there.
        ...(concurrency === 1 ? [[FLOOR_ID, latF]] : []),
      ];
      for (let r = 0; r < ROUNDS; r++) {
        for (let k = 0; k < slots.length; k++) {
          const [id, lat] = slots[(r + k) % slots.length];
          ratesOf.get(id).push(await round(id, concurrency, ROUND_MS, lat));
        }
      }
      /** Per round, the mean rate of `ids`' children. */
      const perRoundMean = (ids) =>
        Array.from(
          { length: ROUNDS },
          (_, r) => ids.reduce((sum, id) => sum + ratesOf.get(id)[r], 0) / ids.length,
        );
      const a = perRoundMean(gatewayIds);
      const b = perRoundMean(baselineIds);
      const m = ratesOf.get(METRICS_ID);
      const ours = median(a);
      const base = median(b);
      const metered = median(m);
      for (const lat of [latA, latM, latB, latF]) lat.sort((x, y) => x - y);
      const name = `push → echo reply, ${concurrency} chat${concurrency > 1 ? "s" : ""} in flight`;
      const rate = (x) => `${Math.round(x).toLocaleString("en-US")} msg/s`;
      printRow(
        name,
        rate(ours),
        rate(base),
        ours / base,
        "  (target ≥ 0.8×; baseline = bare RelayAdapter echo)",
      );
      const ms = (x) => `${x.toFixed(3)} ms`;
      const p = (lat, q) => percentile(lat, q);
      // The spread of the ratio between neighbouring measurements (each round measures every
      // child back to back): how much of a run-to-run difference this VM's phase can explain.
      const perRound = a.map((x, r) => x / b[r]).sort((x, y) => x - y);
      console.log(
        `  ratio round by round                       ${perRound[0].toFixed(2)}–${perRound.at(-1).toFixed(2)}× (median ${median(perRound).toFixed(2)}×, ${perRound.length} rounds)`,
      );
      if (CHILDREN > 1) {
        const each = (ids) =>
          ids.map((id) => Math.round(median(ratesOf.get(id))).toLocaleString("en-US")).join(", ");
        console.log(
          `  each child (median msg/s)                  ours ${each(gatewayIds)}; baseline ${each(baselineIds)}`,
        );
      }
      printRow("  latency p50", ms(p(latA, 50)), ms(p(latB, 50)), p(latA, 50) / p(latB, 50));
      printRow("  latency p99", ms(p(latA, 99)), ms(p(latB, 99)), p(latA, 99) / p(latB, 99));
      printRow("  same, /metrics served", rate(metered), rate(base), metered / base);
      if (concurrency !== 1) continue;
      const floorRate = median(ratesOf.get(FLOOR_ID));
      // The floor's own row: "floor" where the other rows say "ours".
      console.log(
        `${"  contract floor".padEnd(44)} floor ${rate(floorRate).padStart(15)}   baseline ${rate(base).padStart(16)}   ratio ${(floorRate / base).toFixed(2)}×  (bare echo + one write(2) right after each reply + a chat's replies one at a time)`,
      );
      console.log(
        `  gateway vs contract floor                  ${(ours / floorRate).toFixed(2)}× (latency p50 ${ms(p(latA, 50))} against ${ms(p(latF, 50))})`,
      );
    }
    const total = seq;
    await sleep(SETTLE_MS);
    const afterAll = vmRssMb(gateway.pid);

    const growth = after - idle;
    const baseGrowth = baseAfter - baseIdle;
    const signed = (x) => `${x >= 0 ? "+" : ""}${x.toFixed(1)} MB`;
    console.log(
      `${`VmRSS growth over ${RSS_MESSAGES / 1000}k messages`.padEnd(44)} ours ${signed(growth).padStart(16)}   baseline ${signed(baseGrowth).padStart(16)}  (target < ${RSS_TARGET_MB} MB: ${growth < RSS_TARGET_MB ? "met" : "NOT met"})`,
    );
    console.log(
      `  gateway VmRSS ${idle.toFixed(1)} → ${after.toFixed(1)} MB; bare RelayAdapter echo VmRSS ${baseIdle.toFixed(1)} → ${baseAfter.toFixed(1)} MB`,
    );
    console.log(
      `  ${RSS_MESSAGES / 1000}k messages took ${tenKSeconds.toFixed(1)} s at 16 in flight; after a forced full GC: VmRSS ${idleGc.vmRss.toFixed(1)} → ${afterGc.vmRss.toFixed(1)} MB, V8 heap total ${mb(idleGc.heapTotal)} → ${mb(afterGc.heapTotal)} MB, heap used ${mb(idleGc.heapUsed)} → ${mb(afterGc.heapUsed)} MB; ${afterAll.toFixed(1)} MB after all ${total.toLocaleString("en-US")} messages of this run${nodeFlags.length ? ` (node flags: ${nodeFlags.join(" ")})` : ""}`,
    );
  } finally {
    const stopStart = performance.now();
    for (const g of [...gateways, withMetrics]) {
      if (g.child.exitCode === null && g.child.signalCode === null) g.child.kill("SIGTERM");
    }
    for (const g of [...gateways, withMetrics]) {
      const code = await Promise.race([
        g.exited,
        new Promise((r) => setTimeout(r, 20_000, "timeout").unref()),
      ]);
      if (code === "timeout") g.child.kill("SIGKILL");
      else if (code !== 0) {
        console.log(`  ! gateway exited ${code} after SIGTERM:\n${g.output}`);
        if (SMOKE) process.exitCode = 1; // the smoke run proves the bench runs cleanly end to end
      }
    }
    if (process.env.BENCH_VERBOSE)
      console.log(`  gateway stopped in ${(performance.now() - stopStart).toFixed(0)} ms`);
    for (const b of [...baselines, floor]) await b.stop();
    await connector.stop();
    if (process.env.BENCH_VERBOSE)
      console.log(
        `  children and connector stopped ${(performance.now() - stopStart).toFixed(0)} ms after SIGTERM`,
      );
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  }
}
