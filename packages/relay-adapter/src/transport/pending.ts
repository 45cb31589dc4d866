// Outbound requests waiting for their `outbound_result`, each with its own deadline, served by
// ONE timer (due at the earliest deadline) rather than a timer per request: a busy link keeps
// each request alive across garbage collections, so a Timeout object and its closure per
// request is memory and timer-list work that a sweep does without.

interface Entry<R> {
  readonly resolve: (result: R) => void;
  readonly deadline: number;
}

export class PendingRequests<R> {
  readonly #entries = new Map<string, Entry<R>>();
  readonly #timedOut: () => R;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #timerDue = Infinity;

  /** `timedOut()` is what a request resolves with when its deadline passes unanswered. */
  constructor(timedOut: () => R, now: () => number = () => performance.now()) {
    this.#timedOut = timedOut;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  add(id: string, resolve: (result: R) => void, timeoutMs: number): void {
    const deadline = this.#now() + timeoutMs;
    this.#entries.set(id, { resolve, deadline });
    if (deadline < this.#timerDue) this.#arm(deadline);
  }

  /** Remove and return the request's resolver; undefined when it already timed out or is unknown. */
  take(id: string): ((result: R) => void) | undefined {
    const e = this.#entries.get(id);
    if (e === undefined) return undefined;
    this.#entries.delete(id);
    if (this.#entries.size === 0) this.#disarm();
    return e.resolve;
  }

  /** Resolve every waiting request with `result` and forget them all. */
  settleAll(result: R): void {
    const all = [...this.#entries.values()];
    this.#entries.clear();
    this.#disarm();
    for (const e of all) e.resolve(result);
  }

  #arm(due: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = setTimeout(() => this.#sweep(), Math.max(0, due - this.#now()));
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerDue = Infinity;
  }

  #sweep(): void {
    this.#timer = null;
    this.#timerDue = Infinity;
    // Timers have millisecond granularity: anything due within the next millisecond is due.
    const now = this.#now() + 1;
    const expired: Array<(result: R) => void> = [];
    let next = Infinity;
    for (const [id, e] of this.#entries) {
      if (e.deadline <= now) {
        this.#entries.delete(id);
        expired.push(e.resolve);
      } else if (e.deadline < next) {
        next = e.deadline;
      }
    }
    if (next !== Infinity) this.#arm(next);
    for (const resolve of expired) resolve(this.#timedOut());
  }
}
