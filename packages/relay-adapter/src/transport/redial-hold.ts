// The redial hold of scale to zero (upstream `hold_redial` / `release_redial`): while a
// brokered suspend is in flight a re-dial would undo the connector's buffered-only flip, so a
// re-dial that comes due is parked until the hold is released, and at most `maxMs` so a
// suspend that never lands still reconnects.

export class RedialHold {
  readonly #maxMs: number;
  readonly #onExpire: () => void;
  #held = false;
  #parked: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;

  /** `onExpire` is told when the cap released a parked re-dial (for a log line). */
  constructor(maxMs: number, onExpire: () => void = () => undefined) {
    this.#maxMs = maxMs;
    this.#onExpire = onExpire;
  }

  get held(): boolean {
    return this.#held;
  }

  hold(): void {
    this.#held = true;
  }

  /** Run `dial` now, or park it while held (the cap starts with the first parked re-dial). */
  run(dial: () => void): void {
    if (!this.#held) return dial();
    this.#parked = dial;
    if (this.#timer === null) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#onExpire();
        this.release();
      }, this.#maxMs);
      this.#timer.unref?.();
    }
  }

  /** End the hold; a parked re-dial runs now. */
  release(): void {
    this.#held = false;
    this.#clearTimer();
    const parked = this.#parked;
    this.#parked = null;
    parked?.();
  }

  /** Forget the hold and any parked re-dial (a deliberate disconnect). */
  clear(): void {
    this.#held = false;
    this.#parked = null;
    this.#clearTimer();
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
