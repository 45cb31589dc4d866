// One agent turn at a time per session key; later turns for the same key wait in arrival
// order (FIFO). Different sessions run concurrently. `interrupt(key)` aborts exactly that
// session's running turn. `drain` stops accepting turns, waits for the accepted ones
// within a budget, then cancels whatever is left.
import { setTimeout as delay } from "node:timers/promises";

export class TurnsDrainingError extends Error {
  readonly code = "GATEWAY_DRAINING";
  constructor() {
    super("The gateway is shutting down and takes no new turns; resend after it restarts.");
    this.name = "TurnsDrainingError";
  }
}

export class TurnCancelledError extends Error {
  readonly code = "GATEWAY_TURN_CANCELLED";
  constructor() {
    super("The turn was cancelled before it started because the gateway is shutting down.");
    this.name = "TurnCancelledError";
  }
}

export type TurnRun<T> = (signal: AbortSignal) => Promise<T>;

export interface DrainResult {
  /** True when every accepted turn finished within the budget. */
  readonly finishedInBudget: boolean;
  /** Running turns aborted when the budget ran out. */
  readonly cancelled: number;
}

export class TurnScheduler {
  readonly #tails = new Map<string, Promise<void>>();
  readonly #running = new Map<string, AbortController>();
  #pending = 0; // accepted, not yet settled (queued or running)
  #draining = false;
  #cancelAll = false;
  #idleWaiters: Array<() => void> = [];

  get draining(): boolean {
    return this.#draining;
  }
  /** Turns running right now. */
  get inFlight(): number {
    return this.#running.size;
  }
  /** Turns accepted and not settled (running + waiting). */
  get pending(): number {
    return this.#pending;
  }

  submit<T>(sessionKey: string, run: TurnRun<T>): Promise<T> {
    if (this.#draining) return Promise.reject(new TurnsDrainingError());
    this.#pending++;
    const prev = this.#tails.get(sessionKey) ?? Promise.resolve();
    const result = prev.then(async () => {
      if (this.#cancelAll) throw new TurnCancelledError();
      const ac = new AbortController();
      this.#running.set(sessionKey, ac);
      try {
        return await run(ac.signal);
      } finally {
        this.#running.delete(sessionKey);
      }
    });
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(sessionKey, tail);
    void tail.then(() => {
      if (this.#tails.get(sessionKey) === tail) this.#tails.delete(sessionKey);
      this.#pending--;
      if (this.#pending === 0) for (const w of this.#idleWaiters.splice(0)) w();
    });
    return result;
  }

  /** Abort the running turn of this session; true when there was one. */
  interrupt(sessionKey: string, reason: unknown = new Error("interrupted")): boolean {
    const ac = this.#running.get(sessionKey);
    if (!ac) return false;
    ac.abort(reason);
    return true;
  }

  async drain(budgetMs: number, sleep: (ms: number) => Promise<void> = (ms) => delay(ms)): Promise<DrainResult> {
    this.#draining = true;
    if (this.#pending === 0) return { finishedInBudget: true, cancelled: 0 };
    const idle = new Promise<"idle">((r) => this.#idleWaiters.push(() => r("idle")));
    const outcome = await Promise.race([idle, sleep(budgetMs).then(() => "timeout" as const)]);
    if (outcome === "idle") return { finishedInBudget: true, cancelled: 0 };
    this.#cancelAll = true;
    const cancelled = this.#running.size;
    for (const ac of this.#running.values()) ac.abort(new Error("drain budget exhausted"));
    await idle;
    return { finishedInBudget: false, cancelled };
  }
}
