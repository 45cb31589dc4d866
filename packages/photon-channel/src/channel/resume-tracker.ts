// Which inbound messages the watch has seen that the channel has not handled yet, and from that
// the resume cursor: the highest sequence below which nothing is pending. Persisting that cursor
// (never a sequence past an unhandled message) is what lets the next run catch up on exactly
// what this one did not finish.
import type { WatchedMessage } from "./event-watch.js";

export interface PendingMessage extends WatchedMessage {
  /** When the watch reported it (the grace period runs from here). */
  seenAt: number;
  /** From a catch-up: the SDK will not deliver it, hand it over at once. */
  catchUp: boolean;
}

export class ResumeTracker {
  /** By message GUID, in sequence order of arrival. */
  readonly #pending = new Map<string, PendingMessage>();
  #highest: number | null;

  constructor(cursor: number | null) {
    this.#highest = cursor;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** A message event the watch saw (not yet handled). */
  add(message: WatchedMessage, catchUp: boolean, now: number): void {
    if (this.#pending.has(message.messageGuid)) return;
    this.#pending.set(message.messageGuid, {
      sequence: message.sequence,
      messageGuid: message.messageGuid,
      chatGuid: message.chatGuid,
      seenAt: now,
      catchUp,
    });
  }

  /** Any sequence the watch saw (every event type moves the high-water mark). */
  saw(sequence: number): void {
    if (this.#highest === null || sequence > this.#highest) this.#highest = sequence;
  }

  /** The message was handed over (or decided: denied, ignored, duplicate). */
  settle(messageGuid: string): void {
    this.#pending.delete(messageGuid);
  }

  /** After a gap the old high-water mark means nothing: start again from what comes next. */
  reset(): void {
    this.#highest = null;
  }

  /** Pending messages that are due for delivery through the watch. */
  due(now: number, graceMs: number): PendingMessage[] {
    return [...this.#pending.values()].filter(
      (message) => message.catchUp || now - message.seenAt >= graceMs,
    );
  }

  /** The highest sequence with nothing pending at or below it; `null` before any is known. */
  get cursor(): number | null {
    let lowestPending: number | null = null;
    for (const message of this.#pending.values()) {
      if (lowestPending === null || message.sequence < lowestPending)
        lowestPending = message.sequence;
    }
    if (lowestPending === null) return this.#highest;
    return lowestPending - 1;
  }
}
