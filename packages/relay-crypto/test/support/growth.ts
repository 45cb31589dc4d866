// Linear-time assertions without wall-clock budgets: time an operation on an input and on one
// ten times larger, and compare. Linear code grows ~10x, quadratic code ~100x; the bound (20x)
// sits far from both. Small and large batches alternate, round by round, so both see the same
// machine load (test files run in parallel), and the minimum over rounds filters out GC pauses.
import { performance } from "node:perf_hooks";

export interface Growth {
  /** ms per call on the small input, on the large one, and large / small. */
  small: number;
  large: number;
  ratio: number;
}

function msPerCall(fn: () => unknown, calls: number): number {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) fn();
  return (performance.now() - t0) / calls;
}

/**
 * How the time of `fn` grows from `small` to `large` (the caller makes `large` 10x `small`).
 * A batch of the small input takes at least ~10 ms, so timer resolution and short stalls do not
 * decide the ratio. Rounds alternate until the ratio of the minimums is under `bound` (after 3
 * rounds) or `budgetMs` has passed: linear code usually settles in a few rounds even on a
 * machine shared with other work; super-linear code never does and uses up the budget.
 */
export function measureGrowth<T>(fn: (input: T) => unknown, small: T, large: T, opts: { bound?: number; budgetMs?: number } = {}): Growth {
  const bound = opts.bound ?? 20;
  const budgetMs = opts.budgetMs ?? 8_000;
  for (let i = 0; i < 3; i++) (fn(small), fn(small)); // warm the JIT on the small input only
  let calls = 1;
  while (calls < 1 << 20 && msPerCall(() => fn(small), calls) * calls < 10) calls *= 2;
  const largeCalls = Math.max(1, Math.ceil(calls / 10));
  let smallMs = Infinity;
  let largeMs = Infinity;
  const start = performance.now();
  for (let round = 1; ; round++) {
    smallMs = Math.min(smallMs, msPerCall(() => fn(small), calls));
    largeMs = Math.min(largeMs, msPerCall(() => fn(large), largeCalls));
    if (round >= 3 && largeMs < smallMs * bound) break;
    if (performance.now() - start > budgetMs) break;
  }
  return { small: smallMs, large: largeMs, ratio: largeMs / smallMs };
}
