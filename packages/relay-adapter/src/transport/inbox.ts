// The per-link inbox: inbound and passthrough frames are handled one after the other, in
// arrival order, and a replayed (buffered) item is acked only once its handler has taken it.
// One drain loop per link (no promise chain per frame); a buffered item still queued when its
// link died is skipped, because the connector replays it on the next link. A handler that
// returns `ackAfter(promise)` has taken its item at once: the next item is handled without
// waiting, and this one is acked when the promise resolves (a replay of many items then shares
// the host's durable writes instead of waiting for one per item).

/**
 * What a handler returns to be acked later without holding the items after it (see ackAfter).
 * A thenable that settles with `until` (resolving with nothing): a transport that does not know
 * it, or a promise resolving to it, simply waits for `until` before acking — the semantics of
 * returning `until` itself, never an ack before it.
 */
export class DeferredAck implements PromiseLike<void> {
  constructor(readonly until: PromiseLike<unknown>) {}

  then<A = void, B = never>(
    onFulfilled?: ((value: void) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return Promise.resolve(this.until)
      .then(() => undefined)
      .then(onFulfilled, onRejected);
  }
}

/**
 * For an inbound handler: return `ackAfter(until)` itself (not from an async function, whose
 * promise would wait for it): the item is taken now, the link's next items are handled without
 * waiting, and a replayed buffered item is acked once `until` resolves — not if it rejects (a
 * warning) or once the link is gone, so the connector replays it.
 */
export function ackAfter(until: PromiseLike<unknown>): DeferredAck {
  return new DeferredAck(until);
}

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
          if (r instanceof DeferredAck) {
            this.#ackLater(item.bufferId, r.until);
            continue;
          }
          if (
            r !== null &&
            typeof r === "object" &&
            typeof (r as PromiseLike<unknown>).then === "function"
          )
            await r;
        } catch (err) {
          this.#failed(item.bufferId, err);
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

  /** `bufferId` undefined (a live item): nothing to ack, but a rejection is still reported. */
  #ackLater(bufferId: string | undefined, until: PromiseLike<unknown>): void {
    Promise.resolve(until).then(
      () => {
        // A link that died meanwhile cannot carry the ack: the connector replays the item.
        if (bufferId !== undefined && this.#hooks.isCurrent()) this.#hooks.ack(bufferId);
      },
      (err: unknown) => this.#failed(bufferId, err),
    );
  }

  #failed(bufferId: string | undefined, err: unknown): void {
    const why = err instanceof Error ? err.message : String(err);
    this.#hooks.warn(
      `relay inbound handler failed${bufferId ? " (not acked; it will be replayed)" : ""}: ${why}`,
    );
  }
}
