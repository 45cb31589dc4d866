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
 * both sizes are interleaved so both see the same machine load (tests run in parallel).
 */
export function growthRatio<T>(n: number, make: (n: number) => T, run: (input: T) => unknown, samples = 7, minSampleMs = 10): number {
  const small = make(n);
  const large = make(10 * n);
  run(small); // warm up (JIT) before either figure is taken
  run(large);
  let bestSmall = Infinity;
  let bestLarge = Infinity;
  for (let i = 0; i < samples; i++) {
    bestSmall = Math.min(bestSmall, sample(() => run(small), minSampleMs));
    bestLarge = Math.min(bestLarge, sample(() => run(large), minSampleMs));
  }
  return bestLarge / bestSmall;
}
