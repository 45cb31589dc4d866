// Replay guard for accepted delivery signatures (spec §6, ours): an accepted
// (timestamp, signature) pair is refused again while it could still pass the skew check.
// Memory is bounded: entries expire with the window and the table has a hard cap.

export type ReplayVerdict = "fresh" | "replay" | "full";

export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #windowSeconds: number;
  readonly #maxEntries: number;
  #lastPrune = Number.NEGATIVE_INFINITY;

  constructor(windowSeconds: number, maxEntries: number) {
    this.#windowSeconds = windowSeconds;
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#seen.size;
  }

  /** Record the pair if it is new. `ts` is the integer-normalised timestamp (seconds). */
  admit(ts: bigint, signatureHex: string, nowSeconds: number): ReplayVerdict {
    const key = `${ts}.${signatureHex.toLowerCase()}`;
    if (this.#seen.has(key)) return "replay";
    // A full sweep at most once per clock second (or when full) keeps admission O(1) amortised.
    if (nowSeconds !== this.#lastPrune || this.#seen.size >= this.#maxEntries) this.#prune(nowSeconds);
    // Fail closed when full: evicting a live entry would reopen a replay hole.
    if (this.#seen.size >= this.#maxEntries) return "full";
    this.#seen.set(key, Number(ts));
    return "fresh";
  }

  /** Forget a pair (the handler failed: let the connector retry the same delivery). */
  forget(ts: bigint, signatureHex: string): void {
    this.#seen.delete(`${ts}.${signatureHex.toLowerCase()}`);
  }

  /** A pair older than `now - window` can no longer verify, so it need not be remembered. */
  #prune(nowSeconds: number): void {
    this.#lastPrune = nowSeconds;
    const cutoff = nowSeconds - this.#windowSeconds;
    for (const [key, ts] of this.#seen) {
      if (ts < cutoff) this.#seen.delete(key);
    }
  }
}
