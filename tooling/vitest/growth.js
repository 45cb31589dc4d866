// Linear-time assertions without wall-clock budgets: time an operation on an input and on one
// ten times larger, and compare. Linear code grows ~10x, quadratic code ~100x; the bound (20x)
// sits far from both. Small and large batches alternate, round by round, so both see the same
// machine load (test files run in parallel), and the minimum over rounds filters out GC pauses.
//
// Time is this process's CPU time (user + system), not the wall clock: on a machine shared with
// other test files a long batch is more likely to be preempted than a short one, which made the
// large input's wall time grow with the load alone (a linear function measured 30x on a loaded
// 2-core CI run, where it measures 10-12x quietly). Test files run in their own processes
// (vitest's forks pool), so the figure is this file's work.
import { performance } from "node:perf_hooks";

/** CPU milliseconds this process has used (all its threads: the GC's helpers count too). */
function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function msPerCall(fn, calls) {
  const t0 = cpuMs();
  for (let i = 0; i < calls; i++) fn();
  return (cpuMs() - t0) / calls;
}

/**
 * How the time of `fn` grows from `small` to `large` (the caller makes `large` 10x `small`).
 * A batch of the small input takes at least ~10 ms, so timer resolution and short stalls do not
 * decide the ratio. Rounds alternate until the ratio of the minimums is under the limit (after
 * 3 rounds) or `budgetMs` has passed: linear code usually settles in a few rounds even on a
 * machine shared with other work; super-linear code never does and uses up the budget.
 *
 * `reference`, an operation linear by construction on the same inputs (a raw decode, a copy),
 * measures what the machine does to a 10x larger input (caches, GC of large buffers under
 * load): the limit is `bound` scaled by how far beyond 10x the reference itself grew.
 */
export function measureGrowth(fn, small, large, opts = {}) {
  const bound = opts.bound ?? 20;
  const budgetMs = opts.budgetMs ?? 8_000;
  const ref = opts.reference;
  // Warm the JIT on both inputs: warmed on the small one only, the large one often ran code
  // compiled for other shapes and lengths (a header check measured 2.6 ns a character on the
  // small input and 3.8-4.4 on the large one), which put linear code at 13-17x of a 20x limit.
  // A quadratic function pays for its large calls here too, and still fails the bound below.
  // Once for the large input (it may take a second of a test's time).
  for (let i = 0; i < 3; i++) {
    fn(small);
    fn(small);
  }
  fn(large);
  if (ref) {
    ref(small);
    ref(large);
  }
  // Each size is timed twice and the faster taken: one slow timing (a GC or a background
  // compile counted as this process's CPU) stopped the doubling at 1-4 calls, where a batch is
  // too short for its minimum to filter anything.
  const batch = (f) => {
    let calls = 1;
    const ms = (n) =>
      Math.min(
        msPerCall(() => f(small), n),
        msPerCall(() => f(small), n),
      ) * n;
    while (calls < 1 << 20 && ms(calls) < 10) calls *= 2;
    return calls;
  };
  const calls = batch(fn);
  const refCalls = ref ? batch(ref) : 1;
  let smallMs = Infinity;
  let largeMs = Infinity;
  let refSmall = Infinity;
  let refLarge = Infinity;
  const limit = () => bound * (ref ? Math.max(1, refLarge / refSmall / 10) : 1);
  const start = performance.now();
  for (let round = 1; ; round++) {
    smallMs = Math.min(
      smallMs,
      msPerCall(() => fn(small), calls),
    );
    largeMs = Math.min(
      largeMs,
      msPerCall(() => fn(large), Math.max(1, Math.ceil(calls / 10))),
    );
    if (ref) {
      refSmall = Math.min(
        refSmall,
        msPerCall(() => ref(small), refCalls),
      );
      refLarge = Math.min(
        refLarge,
        msPerCall(() => ref(large), Math.max(1, Math.ceil(refCalls / 10))),
      );
    }
    if (round >= 3 && largeMs < smallMs * limit()) break;
    if (performance.now() - start > budgetMs) break;
  }
  return {
    small: smallMs,
    large: largeMs,
    ratio: largeMs / smallMs,
    referenceRatio: ref ? refLarge / refSmall : 1,
    limit: limit(),
  };
}
