/**
 * Polls `check` until it returns anything but `false` without throwing (a predicate or an
 * assertion), and resolves with that value; rejects after `timeoutMs` (default 15 s) with
 * "timed out … waiting for <what>" and the last assertion error. Prefer waiting on an event.
 */
export declare function eventually<T>(
  check: () => T | Promise<T>,
  what?: string,
  options?: { timeoutMs?: number; intervalMs?: number },
): Promise<Exclude<T, false>>;
