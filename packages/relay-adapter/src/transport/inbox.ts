// The per-link inbox: inbound and passthrough frames are handled one after the other, in
// arrival order, and a replayed (buffered) item is acked only once its handler has taken it.
// One drain loop per link (no promise chain per frame); a buffered item still queued when its
// link died is skipped, because the connector replays it on the next link.

export interface InboxItem {
  /** Set for a replayed buffered item: acked after `run` resolved. */
  bufferId: string | undefined;
  run: () => unknown;
}

export interface InboxHooks {
  /** False once the link this inbox belongs to is no longer the current one. */
  isCurrent(): boolean;
  ack(bufferId: string): void;
  warn(message: string): void;
}

/** Compact the backing array once this many handled slots lead it (and they are the majority). */
const COMPACT_AFTER = 1024;

export class Inbox {
  readonly #hooks: InboxHooks;
  #items: (InboxItem | undefined)[] = [];
  #head = 0;
  #draining = false;

  constructor(hooks: InboxHooks) {
    this.#hooks = hooks;
  }

  push(item: InboxItem): void {
    this.#items.push(item);
    if (!this.#draining) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#head < this.#items.length) {
        const item = this.#items[this.#head]!;
        this.#items[this.#head++] = undefined;
        if (this.#head > COMPACT_AFTER && this.#head * 2 > this.#items.length) {
          this.#items = this.#items.slice(this.#head);
          this.#head = 0;
        }
        if (item.bufferId !== undefined && !this.#hooks.isCurrent()) continue;
        try {
          const r = item.run();
          if (
            r !== null &&
            typeof r === "object" &&
            typeof (r as PromiseLike<unknown>).then === "function"
          )
            await r;
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          this.#hooks.warn(
            `relay inbound handler failed${item.bufferId ? " (not acked; it will be replayed)" : ""}: ${why}`,
          );
          continue;
        }
        if (item.bufferId !== undefined) this.#hooks.ack(item.bufferId);
      }
    } finally {
      this.#items.length = 0;
      this.#head = 0;
      this.#draining = false;
    }
  }
}
