// Growth checks for "linear in the input" requirements. Wall-clock thresholds are flaky on
// shared machines, so instead of a time limit we compare the cost at size n and at 10n: a
// linear parser grows ~10x, a quadratic one ~100x. Each figure is the minimum of several
// samples (noise only ever adds time), each sample repeated until it lasts a few milliseconds.
import { performance } from "node:perf_hooks";

/** Time per call of `fn()`: the minimum over `samples`, each of ≥ `minSampleMs`. */
export function timePerCall(fn: () => unknown, samples = 5, minSampleMs = 5): number {
  let best = Infinity;
  for (let s = 0; s < samples; s++) {
    let reps = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      fn();
      reps++;
      elapsed = performance.now() - start;
    } while (elapsed < minSampleMs);
    best = Math.min(best, elapsed / reps);
  }
  return best;
}

/** time(10n) / time(n) for a workload built by `make(n)` and run by `run(input)`. */
export function growthRatio<T>(n: number, make: (n: number) => T, run: (input: T) => unknown): number {
  const small = make(n);
  const large = make(10 * n);
  run(small); // warm up (JIT) before either figure is taken
  run(large);
  return timePerCall(() => run(large)) / timePerCall(() => run(small));
}
