// Growth checks for "linear in the input" requirements. Wall-clock thresholds are flaky on
// shared machines, so instead of a time limit we compare the cost at size n and at 10n: a
// linear parser grows ~10x, a quadratic one ~100x. Each figure is the minimum of several
// samples (noise only ever adds time), each sample repeated until it lasts a few milliseconds.
import { performance } from "node:perf_hooks";

/** Time per call of `fn()` over one sample of at least `minSampleMs`. */
function sample(fn: () => unknown, minSampleMs: number): number {
  let reps = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    fn();
    reps++;
    elapsed = performance.now() - start;
  } while (elapsed < minSampleMs);
  return elapsed / reps;
}

/**
 * time(10n) / time(n) for a workload built by `make(n)` and run by `run(input)`. Samples of
 * both sizes are interleaved so both see the same machine load (tests run in parallel), and
 * the smallest ratio of `attempts` measurements is returned: load only ever inflates one of
 * them, while a quadratic workload gives ~100x every time.
 */
export function growthRatio<T>(n: number, make: (n: number) => T, run: (input: T) => unknown, attempts = 3): number {
  const small = make(n);
  const large = make(10 * n);
  run(small); // warm up (JIT) before either figure is taken
  run(large);
  let best = Infinity;
  for (let a = 0; a < attempts; a++) {
    let bestSmall = Infinity;
    let bestLarge = Infinity;
    for (let i = 0; i < 5; i++) {
      bestSmall = Math.min(bestSmall, sample(() => run(small), 10));
      bestLarge = Math.min(bestLarge, sample(() => run(large), 10));
    }
    best = Math.min(best, bestLarge / bestSmall);
  }
  return best;
}
