// Polling for tests, used only where no event tells the test that the thing happened (a file a
// child process writes, a counter on a fake). Where an event exists, wait on the event instead.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Polls `check` until it passes and resolves with what it returned. It passes when it returns
 * (or resolves to) anything but `false` without throwing: a boolean predicate or an assertion
 * (`() => expect(x).toBe(1)`) both work. After `timeoutMs` (default 15 s, under the 30 s test
 * timeout) it rejects with "timed out waiting for <what>" and the last assertion error's message.
 * @template T
 * @param {() => T | Promise<T>} check
 * @param {string} [what] what the test waits for, for the timeout message
 * @param {{ timeoutMs?: number, intervalMs?: number }} [options]
 * @returns {Promise<Exclude<T, false>>}
 */
export async function eventually(check, what = "a condition", options = {}) {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    let lastError;
    try {
      const result = await check();
      if (result !== false) return result;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() >= deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`, {
        cause: lastError,
      });
    }
    await sleep(intervalMs);
  }
}
