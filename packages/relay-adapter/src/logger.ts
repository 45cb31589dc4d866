// The optional logger every part of this package accepts (console fits), and the one way
// they call it: a logger that throws never breaks the link, the adapter or the receiver, a
// message is never longer than MAX_LOG_MESSAGE, and warnings a peer can cause once per frame
// go through a LogBudget.

export interface RelayLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  /** Needs an operator (e.g. the secret is refused over and over). Absent → `warn` is used. */
  error?(message: string): void;
}

export type RelayLogLevel = keyof RelayLogger;

export function logSafely(
  logger: RelayLogger | undefined,
  level: RelayLogLevel,
  message: string,
): void {
  try {
    if (logger === undefined) return;
    // A logger written before `error` existed still hears about errors, at warn.
    const line = capLogMessage(message);
    if (level === "error" && typeof logger.error !== "function") logger.warn?.(line);
    else logger[level]?.(line);
  } catch {
    // Logging must never break the caller.
  }
}

/**
 * Longest message handed to a logger: a longer one (a peer's string in it) is cut, its length
 * told. Generous on purpose: a host that scrubs secrets out of its lines should cut shorter
 * itself, after scrubbing (a cut here could halve a secret its scrubber would then not match).
 */
export const MAX_LOG_MESSAGE = 16 * 1024;

/** `message` cut to {@link MAX_LOG_MESSAGE} characters (never between a surrogate pair), its length told. */
export function capLogMessage(message: string): string {
  if (message.length <= MAX_LOG_MESSAGE) return message;
  let cut = MAX_LOG_MESSAGE;
  const last = message.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${message.slice(0, cut)}… (${message.length} characters)`;
}

export interface LogBudgetOptions {
  /** Lines logged as they come per window. Default 10. */
  readonly burst?: number;
  /** Default 10 000 ms. */
  readonly windowMs?: number;
  /** Default Date.now. */
  readonly now?: () => number;
}

/**
 * Lines a peer can cause once per frame it sends (a malformed line, an invalid frame, an
 * unreadable event). The first `burst` of each window are logged as they come; the rest are
 * counted and told in one line when the window ends (or at {@link flush}). A connector sending
 * garbage as fast as it can gets a few lines, not one per frame: a line each blocked the event
 * loop on the log for minutes and wrote dozens of log bytes per byte received.
 */
export class LogBudget {
  readonly #write: (message: string) => void;
  readonly #burst: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #logged = 0;
  #held = 0;
  #last = "";
  #timer: NodeJS.Timeout | null = null;

  /** `write` logs one line (at the level the caller chose). */
  constructor(write: (message: string) => void, opts: LogBudgetOptions = {}) {
    this.#write = write;
    this.#burst = opts.burst ?? 10;
    this.#windowMs = opts.windowMs ?? 10_000;
    this.#now = opts.now ?? Date.now;
  }

  log(message: string): void {
    const now = this.#now();
    if (now - this.#windowStart >= this.#windowMs) {
      this.flush();
      this.#windowStart = now;
      this.#logged = 0;
    }
    if (this.#logged < this.#burst) {
      this.#logged++;
      this.#write(message);
      return;
    }
    this.#held++;
    this.#last = message;
    if (this.#timer === null) {
      this.#timer = setTimeout(() => this.flush(), this.#windowStart + this.#windowMs - now);
      this.#timer.unref?.();
    }
  }

  /** Log the count of the lines held back so far (nothing when none were). */
  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#held === 0) return;
    const held = this.#held;
    this.#held = 0;
    this.#write(
      `${held} more line${held === 1 ? "" : "s"} like these within ${this.#windowMs / 1000} s not logged one by one (the last: ${this.#last})`,
    );
    this.#last = "";
  }
}
