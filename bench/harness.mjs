// A small, honest benchmark harness: each case runs beside its baseline in the same process,
// interleaved round by round so both see the same machine noise; we report medians over
// rounds and the ratio ours/baseline. Benchmarks never fail on timing: they print figures
// that a person compares with the targets the READMEs name.
import { performance } from "node:perf_hooks";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 300);

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

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * @param {string} name
 * @param {() => unknown} ours
 * @param {() => unknown} baseline
 * @param {{ bytes?: number, target?: number }} [opts] bytes per op (prints MB/s), target ratio
 */
export function compare(name, ours, baseline, opts = {}) {
  // warm up the JIT for both
  for (let i = 0; i < 1000; i++) {
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
  const row = { case: name, ours: oursOps, baseline: baseOps, ratio, target: opts.target ?? null, bytes: opts.bytes ?? null };
  const fmt = (ops) =>
    opts.bytes ? `${((ops * opts.bytes) / 1e6).toFixed(1)} MB/s` : `${Math.round(ops).toLocaleString("en-US")} ops/s`;
  const verdict = opts.target === undefined ? "" : ratio >= opts.target ? `  (target ≥ ${opts.target}×: met)` : `  (target ≥ ${opts.target}×: NOT met)`;
  console.log(`${name.padEnd(44)} ours ${fmt(oursOps).padStart(16)}   baseline ${fmt(baseOps).padStart(16)}   ratio ${ratio.toFixed(2)}×${verdict}`);
  return row;
}
