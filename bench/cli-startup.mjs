// bench/cli-startup: how long the built `hermes` bin takes to start and exit
// (`node apps/cli/dist/cli.js --version`) against `node -e 0`, interleaved round by round so
// both see the same machine noise. Target: well under 2× the baseline.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../apps/cli/dist/cli.js", import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const PER_ROUND = Number(process.env.BENCH_STARTS ?? 5);
const TARGET = 2;

// A missing build skips this bench (and only this one: run.mjs goes on with the others).
const built = existsSync(BIN);
if (!built) console.log(`# @hermes/cli start-up: ${BIN} is missing; build it first (node scripts/pnpm.mjs --filter @hermes/cli build)`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function startMs(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: "ignore", env: { PATH: process.env.PATH } });
  const dt = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
  return dt;
}

const rows = [];
if (built) {
  console.log(`# @hermes/cli start-up (node ${process.version}, ${process.arch})`);
  startMs([BIN, "--version"]); // warm the file cache for both
  startMs(["-e", "0"]);
  const cases = [
    ["hermes --version", [BIN, "--version"]],
    ["hermes gateway --help", [BIN, "gateway", "--help"]],
  ];
  for (const [name, args] of cases) {
    const ours = [];
    const base = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < PER_ROUND; i++) {
        ours.push(startMs(args));
        base.push(startMs(["-e", "0"]));
      }
    }
    const o = median(ours);
    const b = median(base);
    const ratio = o / b;
    rows.push({ case: name, ours: o, baseline: b, ratio, target: TARGET });
    console.log(
      `${name.padEnd(44)} ours ${`${o.toFixed(1)} ms`.padStart(16)}   baseline ${`${b.toFixed(1)} ms`.padStart(16)}   ratio ${ratio.toFixed(2)}×  (target < ${TARGET}×: ${ratio < TARGET ? "met" : "NOT met"})`,
    );
  }
}
export default rows;
