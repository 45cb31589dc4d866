// iMessage through Photon: inbound-to-reply latency against a SpectrumFake on 127.0.0.1, for
//   ours      the built hermes-gateway (`run`, PHOTON_ENABLED, echo agent: journal, scheduler,
//             channel, watch, paced send queue — everything a user runs),
//   sdk       the bare spectrum-ts loop (`for await … space.send(text)`),
//   raw gRPC  one subscribe + sendText per message through @photon-ai/advanced-imessage,
// each in its own process (the SDK reads its endpoints when it loads). Messages go one at a time;
// the time is from the push at the fake to the fake recording the reply. Rounds interleave the
// three so they share the machine's noise. Also the idle RSS of each process. Never fails on timing.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { SpectrumFake } from "@hermes/photon-channel/testing";
import { percentile, setting } from "./harness.mjs";

const ROUNDS = setting("BENCH_ROUNDS", 5, 1);
const PER_ROUND = setting("BENCH_PHOTON_MESSAGES", 20, 2);
// Messages are spaced past one pacing step of Photon's 5 requests/s per project, which the
// gateway's send queue honours (back-to-back messages would measure the pacing, 200 ms, not the path).
const GAP_MS = Number(process.env.BENCH_PHOTON_GAP_MS ?? 250);
const GATEWAY = fileURLToPath(new URL("../apps/gateway/dist/cli.js", import.meta.url));
// A/B: another build of the gateway (e.g. main's, from another worktree) as a fourth case,
// interleaved with the others so both share the machine's noise.
const BASELINE_GATEWAY = process.env.BENCH_PHOTON_BASELINE_GATEWAY;
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function startCase(name, fake, dir, spawnIt) {
  const child = spawnIt();
  let out = "";
  child.stdout.on("data", (b) => (out += b));
  child.stderr.on("data", () => undefined);
  // Up once its subscription(s) are open at the fake (the gateway: SDK's two + the watch).
  return { name, child, fake, dir, out: () => out };
}

async function main() {
  const cases = [];
  const fakes = [];
  const dirs = [];
  const setup = async (name, from, spawnIt, streams) => {
    const fake = await SpectrumFake.start({ heartbeatIntervalMs: 1000 });
    const dir = mkdtempSync(join(tmpdir(), "bench-photon-"));
    fakes.push(fake);
    dirs.push(dir);
    const caFile = await fake.writeCaFile(dir);
    const env = { PATH: process.env.PATH ?? "", ...fake.sdkEnvironment(caFile) };
    const c = await startCase(name, fake, dir, () => spawnIt(fake, env, dir));
    await fake.waitForStreams(streams, 120_000);
    c.from = from;
    c.latencies = [];
    cases.push(c);
  };
  const viaStdin = (script) => (fake, env) => {
    const child = spawn(process.execPath, [script], { env, stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.write(
      `${JSON.stringify({ projectId: fake.projectId, projectSecret: fake.projectSecret })}\n`,
    );
    return child;
  };
  const gateway = (bin, from) => (fake, env, dir) => {
    writeFileSync(
      join(dir, ".env"),
      `PHOTON_PROJECT_ID=${fake.projectId}\nPHOTON_PROJECT_SECRET=${fake.projectSecret}\n`,
    );
    // BENCH_PHOTON_NODE_FLAGS adds V8/node flags to the gateway (e.g. "--cpu-prof").
    const flags = (process.env.BENCH_PHOTON_NODE_FLAGS ?? "").split(" ").filter(Boolean);
    return spawn(process.execPath, [...flags, bin, "run"], {
      env: {
        ...env,
        HERMES_HOME: dir,
        PHOTON_ENABLED: "1",
        PHOTON_ALLOWED_USERS: from,
        GATEWAY_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
  };
  await setup("ours (hermes-gateway)", "+15550000001", gateway(GATEWAY, "+15550000001"), 3);
  if (BASELINE_GATEWAY)
    await setup(
      "baseline gateway (A/B)",
      "+15550000004",
      gateway(BASELINE_GATEWAY, "+15550000004"),
      3,
    );
  await setup(
    "sdk (bare spectrum-ts loop)",
    "+15550000002",
    viaStdin(here("./support/photon-sdk-echo.mjs")),
    2,
  );
  await setup(
    "raw gRPC (advanced-imessage)",
    "+15550000003",
    viaStdin(here("./support/photon-raw-echo.mjs")),
    1,
  );

  for (const c of cases) {
    // Warm-up: first messages pay lazy loading and JIT.
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
      await oneMessage(c, `warm-${i}`);
    }
  }
  await new Promise((r) => setTimeout(r, 2000));
  const idle = cases.map((c) => ({ name: c.name, rss: rssMb(c.child.pid) }));
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of cases) {
      for (let i = 0; i < PER_ROUND; i++) {
        await new Promise((resolve) => setTimeout(resolve, GAP_MS));
        c.latencies.push(await oneMessage(c, `r${r}-m${i}`));
      }
    }
  }
  console.log(
    `photon: inbound → reply latency, ${ROUNDS} rounds × ${PER_ROUND} messages, one at a time, ${GAP_MS} ms apart`,
  );
  const base = cases.find((c) => c.name.startsWith("raw"));
  const sdk = cases.find((c) => c.name.startsWith("sdk"));
  for (const c of cases) {
    const p50 = percentile(c.latencies, 50);
    const p99 = percentile(c.latencies, 99);
    console.log(
      `${c.name.padEnd(32)} p50 ${p50.toFixed(2).padStart(7)} ms   p99 ${p99.toFixed(2).padStart(7)} ms   ` +
        `p50 vs raw ${(p50 / percentile(base.latencies, 50)).toFixed(2)}×   vs sdk ${(p50 / percentile(sdk.latencies, 50)).toFixed(2)}×`,
    );
  }
  console.log("photon: target ours ≤ 1.5× raw gRPC at p50 (issue #13)");
  for (const { name, rss } of idle) console.log(`${name.padEnd(32)} idle RSS ${rss.toFixed(1)} MB`);
  // With node flags (a profile is written at exit), the processes stop cleanly first.
  if (process.env.BENCH_PHOTON_NODE_FLAGS)
    await Promise.all(
      cases.map(
        (c) =>
          new Promise((resolve) => {
            if (c.child.exitCode !== null) return resolve();
            c.child.once("exit", resolve);
            c.child.kill("SIGTERM");
            setTimeout(resolve, 15_000).unref();
          }),
      ),
    );
  for (const c of cases) c.child.kill("SIGKILL");
  for (const f of fakes) await f.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

async function oneMessage(c, text) {
  const t0 = performance.now();
  const pushed = c.fake.push({ type: "text", from: c.from, text });
  await c.fake.waitForCall(
    (call) =>
      call.method === "SendTextMessage" &&
      call.request.chatGuid === pushed.chatGuid &&
      call.request.text === text,
    60_000,
  );
  return performance.now() - t0;
}

await main();
