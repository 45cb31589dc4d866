// The bench harness every benchmark here uses: settings (with tiny smoke values), medians and
// percentiles, and one printed line per case — ours, the baseline measured in the same run,
// and the ratio. Benchmarks never fail on timing: they print figures that a person compares
// with the targets the issues name (recorded in the BENCH.md files).
//
// BENCH_SMOKE=1 (`node run.mjs --smoke`, run by `npm test`) runs every bench once with one
// round and tiny sizes: it only proves each still runs to completion, its figures mean nothing.
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";

export const SMOKE = process.env.BENCH_SMOKE === "1";

/** A number from the environment (`name`), else `fallback`, or `smoke` in a smoke run. */
export function setting(name, fallback, smoke = fallback) {
  const raw = process.env[name];
  if (raw !== undefined && raw !== "") return Number(raw);
  return SMOKE ? smoke : fallback;
}

/** Rounds of each case, interleaved ours/baseline (BENCH_ROUNDS; 1 in a smoke run). */
export const ROUNDS = setting("BENCH_ROUNDS", 7, 1);

/**
 * A bench of a built bin skips itself when the bin is missing (run.mjs goes on with the
 * others); a smoke run fails instead, since it exists to prove every bench runs.
 * @returns {boolean} whether the bin is there
 */
export function requireBuilt(bin, what, buildHint) {
  if (existsSync(bin)) return true;
  const message = `${what}: ${bin} is missing; build it first (${buildHint})`;
  if (SMOKE) throw new Error(message);
  console.log(`# ${message}`);
  return false;
}

/** The first line of a bench's output: what is measured, on which Node and CPU. */
export function heading(title) {
  const smoke = SMOKE ? "; smoke run: these figures mean nothing" : "";
  console.log(`# ${title} (node ${process.version}, ${process.arch}${smoke})`);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The `p`th percentile of `xs` (nearest rank; `xs` is not modified). */
export function percentile(xs, p) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One case: our figure, the baseline's, their ratio, and an optional note (e.g. a target). */
export function printRow(name, ours, baseline, ratio, note = "") {
  console.log(
    `${name.padEnd(44)} ours ${ours.padStart(16)}   baseline ${baseline.padStart(16)}   ` +
      `ratio ${ratio.toFixed(2)}×${note}`,
  );
}

/** "  (target ≥ 0.6×: met)"; `target` is the condition as printed. */
export function targetNote(met, target) {
  return `  (target ${target}: ${met ? "met" : "NOT met"})`;
}

const ROUND_MS = setting("BENCH_ROUND_MS", 300, 10);
const WARMUP_CALLS = setting("BENCH_WARMUP_CALLS", 1000, 10);

function opsPerSecond(fn) {
  // Calibrate a batch that takes ~10 ms, then run batches until the round's time is up.
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const dt = performance.now() - t0;
    if (dt > 10 || batch > 1 << 24) break;
    batch *= 2;
  }
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ROUND_MS) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    elapsed = performance.now() - start;
  }
  return (ops / elapsed) * 1000;
}

/**
 * A synchronous case against its baseline: ops/s medians over interleaved rounds.
 * @param {string} name
 * @param {() => unknown} ours
 * @param {() => unknown} baseline
 * @param {{ bytes?: number, target?: number }} [opts] bytes per op (prints MB/s), target ratio
 */
export function compare(name, ours, baseline, opts = {}) {
  // warm up the JIT for both
  for (let i = 0; i < WARMUP_CALLS; i++) {
    ours();
    baseline();
  }
  const a = [];
  const b = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(opsPerSecond(ours));
    b.push(opsPerSecond(baseline));
  }
  const oursOps = median(a);
  const baseOps = median(b);
  const ratio = oursOps / baseOps;
  const fmt = (ops) =>
    opts.bytes
      ? `${((ops * opts.bytes) / 1e6).toFixed(1)} MB/s`
      : `${Math.round(ops).toLocaleString("en-US")} ops/s`;
  const note =
    opts.target === undefined ? "" : targetNote(ratio >= opts.target, `≥ ${opts.target}×`);
  printRow(name, fmt(oursOps), fmt(baseOps), ratio, note);
}
