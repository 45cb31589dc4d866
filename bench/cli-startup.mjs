// bench/cli-startup: how long the built `hermes` bin takes to start, do its (local) work and
// exit, for every command that needs no network, against `node -e 0`, interleaved round by
// round so both see the same machine noise. Target: every command ≤ 1.5× the baseline.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { heading, median, requireBuilt, ROUNDS, setting } from "./harness.mjs";

const BIN = fileURLToPath(new URL("../apps/cli/dist/cli.cjs", import.meta.url));
const PER_ROUND = setting("BENCH_STARTS", 5, 1);
const TARGET = 1.5;

const built = requireBuilt(
  BIN,
  "@hermes/cli start-up",
  "node scripts/pnpm.mjs --filter @hermes/cli build",
);

// CPU time of the children (user + system, Linux /proc, in clock ticks of 10 ms): summed over
// every start of a case it is far less sensitive than wall time to a machine loaded by other
// jobs, which makes a process that reads several files wait once per read.
const TICK_MS = 10;
function childCpuTicks() {
  if (!existsSync("/proc/self/stat")) return null;
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  return Number(fields[13]) + Number(fields[14]); // cutime + cstime (fields 16 and 17)
}

function startMs(args, cpu) {
  const c0 = childCpuTicks();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, {
    stdio: "ignore",
    env: { PATH: process.env.PATH, HERMES_HOME: home },
  });
  const dt = performance.now() - t0;
  if (cpu && c0 !== null) cpu.ticks += childCpuTicks() - c0;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
  return dt;
}

// A home as `hermes gateway enroll` and `hermes photon setup` leave it (local files only).
const home = mkdtempSync(join(tmpdir(), "bench-cli-"));
writeFileSync(
  join(home, ".env"),
  "GATEWAY_RELAY_URL=wss://relay.example.com/relay\nGATEWAY_RELAY_ID=gw-bench\nGATEWAY_RELAY_SECRET=0123456789abcdef0123456789abcdef\nGATEWAY_RELAY_DELIVERY_KEY=fedcba9876543210fedcba9876543210\n",
  { mode: 0o600 },
);

if (built) {
  heading("@hermes/cli start-up");
  startMs([BIN, "--version"]); // warm the file cache for both
  startMs(["-e", "0"]);
  const cases = [
    ["hermes --version", [BIN, "--version"]],
    ["hermes --help", [BIN, "--help"]],
    ["hermes gateway --help", [BIN, "gateway", "--help"]],
    ["hermes gateway enroll --help", [BIN, "gateway", "enroll", "--help"]],
    ["hermes gateway status", [BIN, "gateway", "status"]],
    ["hermes gateway status --json", [BIN, "gateway", "status", "--json"]],
    ["hermes photon status", [BIN, "photon", "status"]],
    ["hermes photon status --json", [BIN, "photon", "status", "--json"]],
    ["hermes completion bash", [BIN, "completion", "bash"]],
    ["hermes completion fish", [BIN, "completion", "fish"]],
    ["hermes help gateway enroll", [BIN, "help", "gateway", "enroll"]],
    ["hermes doctor --help", [BIN, "doctor", "--help"]],
    ["hermes photon --help", [BIN, "photon", "--help"]],
    ["hermes photon setup --help", [BIN, "photon", "setup", "--help"]],
    ["hermes photon webhook --help", [BIN, "photon", "webhook", "--help"]],
    ["hermes gateway unenroll --help", [BIN, "gateway", "unenroll", "--help"]],
  ];
  for (const [name, args] of cases) {
    const ours = [];
    const base = [];
    const oursCpu = { ticks: 0 };
    const baseCpu = { ticks: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < PER_ROUND; i++) {
        ours.push(startMs(args, oursCpu));
        base.push(startMs(["-e", "0"], baseCpu));
      }
    }
    const o = median(ours);
    const b = median(base);
    const ratio = o / b;
    const cpuRatio = baseCpu.ticks > 0 ? oursCpu.ticks / baseCpu.ticks : null;
    const cpuMs = (cpu) => (cpu.ticks * TICK_MS) / ours.length;
    const cpu =
      cpuRatio === null
        ? ""
        : `   cpu ${cpuMs(oursCpu).toFixed(0)}/${cpuMs(baseCpu).toFixed(0)} ms ratio ${cpuRatio.toFixed(2)}×`;
    console.log(
      `${name.padEnd(30)} ours ${`${o.toFixed(1)} ms`.padStart(9)}  baseline ${`${b.toFixed(1)} ms`.padStart(9)}  ratio ${ratio.toFixed(2)}× (target ≤ ${TARGET}×: ${ratio <= TARGET ? "met" : "NOT met"})${cpu}`,
    );
  }
}
rmSync(home, { recursive: true, force: true });
