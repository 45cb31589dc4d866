/** A bounded map that forgets its oldest entries first, and entries older than `maxAgeMs`. */
export class RecentMap<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();

  constructor(
    private readonly maxSize: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.at > this.maxAgeMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    this.setAt(key, value, this.now());
  }

  /** Sets an entry remembered since `at` (restoring saved entries: call oldest first). */
  setAt(key: string, value: V, at: number): void {
    this.entries.delete(key);
    if (this.now() - at > this.maxAgeMs) return;
    this.entries.set(key, { value, at });
    while (this.entries.size > this.maxSize) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Live entries, oldest first, with the time each was set. */
  *entriesWithTime(): Generator<[string, number]> {
    const now = this.now();
    for (const [key, entry] of this.entries)
      if (now - entry.at <= this.maxAgeMs) yield [key, entry.at];
  }

  get size(): number {
    return this.entries.size;
  }
}
