// Reconnect delays (docs/contract/relay.md#reconnect-and-close-codes): capped exponential 1, 2, 4, … up to 30 s, with jitter.

export interface BackoffOptions {
  /** First delay. Default 1000 ms. */
  initialMs?: number;
  /** Cap. Default 30 000 ms. */
  maxMs?: number;
  /** Fraction of the delay that is randomized downwards (0 = none). Default 0.2. */
  jitter?: number;
}

/** Delay before re-dial number `attempt` (0-based), given a random number in [0, 1). */
export function backoffDelay(attempt: number, random: number, opts: BackoffOptions = {}): number {
  const initial = opts.initialMs ?? 1000;
  const max = opts.maxMs ?? 30_000;
  const jitter = Math.min(Math.max(opts.jitter ?? 0.2, 0), 1);
  const base = Math.min(max, initial * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(base * (1 - jitter * Math.min(Math.max(random, 0), 1)));
}
