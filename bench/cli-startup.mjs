// bench/cli-startup: how long the built `hermes` bin takes to start and exit
// (`node apps/cli/dist/cli.js --version`) against `node -e 0`, interleaved round by round so
// both see the same machine noise. Target: well under 2× the baseline.
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { heading, median, printRow, requireBuilt, ROUNDS, setting, targetNote } from "./harness.mjs";

const BIN = fileURLToPath(new URL("../apps/cli/dist/cli.js", import.meta.url));
const PER_ROUND = setting("BENCH_STARTS", 5, 1);
const TARGET = 2;

const built = requireBuilt(BIN, "@hermes/cli start-up", "node scripts/pnpm.mjs --filter @hermes/cli build");

function startMs(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: "ignore", env: { PATH: process.env.PATH } });
  const dt = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
  return dt;
}

if (built) {
  heading("@hermes/cli start-up");
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
    printRow(name, `${o.toFixed(1)} ms`, `${b.toFixed(1)} ms`, ratio, targetNote(ratio < TARGET, `< ${TARGET}×`));
  }
}
