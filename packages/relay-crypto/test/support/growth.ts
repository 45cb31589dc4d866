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
  /** How a known-linear reference operation on the same two inputs grew in the same rounds (1 without one). */
  referenceRatio: number;
  /** The bound the ratio is held to: `bound`, scaled up by the reference's growth beyond 10x. */
  limit: number;
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
export function measureGrowth<T>(
  fn: (input: T) => unknown,
  small: T,
  large: T,
  opts: { bound?: number; budgetMs?: number; reference?: (input: T) => unknown } = {},
): Growth {
  const bound = opts.bound ?? 20;
  // A reference that is linear by construction (e.g. the raw decode of the same bytes) measures
  // what the machine does to a 10x larger input (caches, GC of large buffers under load): the
  // bound scales by how far beyond 10x the reference itself grew. A quadratic fn still grows
  // ~100x, far past any such limit.
  const ref = opts.reference;
  let refCalls = 1;
  let refSmall = Infinity;
  let refLarge = Infinity;
  if (ref) while (refCalls < 1 << 20 && msPerCall(() => ref(small), refCalls) * refCalls < 10) refCalls *= 2;
  const limitNow = (): number => bound * (ref ? Math.max(1, refLarge / refSmall / 10) : 1);
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
    if (ref) {
      refSmall = Math.min(refSmall, msPerCall(() => ref(small), refCalls));
      refLarge = Math.min(refLarge, msPerCall(() => ref(large), Math.max(1, Math.ceil(refCalls / 10))));
    }
    if (round >= 3 && largeMs < smallMs * limitNow()) break;
    if (performance.now() - start > budgetMs) break;
  }
  return { small: smallMs, large: largeMs, ratio: largeMs / smallMs, referenceRatio: ref ? refLarge / refSmall : 1, limit: limitNow() };
}
