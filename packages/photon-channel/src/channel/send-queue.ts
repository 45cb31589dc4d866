// Every outbound call of one Photon project goes through one queue: calls run one at a time in
// the order they were queued (the chunks of a split reply stay in order), paced by a token bucket
// at the project's rate (Photon allows 5 requests/s per project). A call Photon refuses with
// RESOURCE_EXHAUSTED changed nothing, so it waits (exponential backoff) and runs again; every
// other failure is classified and handed back, and an ambiguous one is never run again.
import { classifyPhotonError, PhotonSendError } from "./errors.js";

export interface SendQueueOptions {
  /** Sustained calls per second. Default 5 (Photon's per-project limit). */
  ratePerSecond?: number;
  /** Calls that may go out back to back before pacing starts. Default 1. */
  burst?: number;
  /** Calls waiting (not counting the running one) before `enqueue` refuses. Default 200. */
  maxQueued?: number;
  /**
   * Backoff after a RESOURCE_EXHAUSTED refusal: first wait, doubled per refusal up to
   * `rateLimitMaxDelayMs`.
   */
  rateLimitInitialDelayMs?: number;
  rateLimitMaxDelayMs?: number;
  /** Refusals of one call before it fails with `rate_limited`. Default 10. */
  maxRateLimitRetries?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class SendQueueFullError extends Error {
  readonly code = "SEND_QUEUE_FULL";
  constructor(limit: number) {
    super(
      `The Photon send queue already holds ${limit} calls; this one was refused (not queued). Slow down or raise maxQueued.`,
    );
    this.name = "SendQueueFullError";
  }
}

export class SendQueueStoppedError extends Error {
  readonly code = "SEND_QUEUE_STOPPED";
  constructor() {
    super("The Photon channel stopped before this call ran; it was not sent.");
    this.name = "SendQueueStoppedError";
  }
}

export interface SendQueueStats {
  completed: number;
  failed: number;
  /** RESOURCE_EXHAUSTED refusals that were waited out and retried. */
  rateLimitRetries: number;
  queued: number;
}

interface Job {
  label: string;
  mutating: boolean;
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class SendQueue {
  readonly #jobs: Job[] = [];
  readonly #ratePerSecond: number;
  readonly #burst: number;
  readonly #maxQueued: number;
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxRetries: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  #tokens: number;
  #refilledAt: number;
  #running = false;
  #stopped = false;
  /** Settles when the last call queued so far has (and so every earlier one). */
  #tail: Promise<void> = Promise.resolve();
  readonly #counters = { completed: 0, failed: 0, rateLimitRetries: 0 };

  constructor(options: SendQueueOptions = {}) {
    this.#ratePerSecond = positive(options.ratePerSecond ?? 5, "ratePerSecond");
    this.#burst = positive(options.burst ?? 1, "burst");
    this.#maxQueued = positive(options.maxQueued ?? 200, "maxQueued");
    this.#initialDelayMs = positive(
      options.rateLimitInitialDelayMs ?? 1000,
      "rateLimitInitialDelayMs",
    );
    this.#maxDelayMs = positive(options.rateLimitMaxDelayMs ?? 30_000, "rateLimitMaxDelayMs");
    this.#maxRetries = options.maxRateLimitRetries ?? 10;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#tokens = this.#burst;
    this.#refilledAt = this.#now();
  }

  /**
   * Queues `run` and resolves with its result. Rejects with `PhotonSendError` (classified; `label`
   * names the operation), `SendQueueFullError` at once when the queue is full, or
   * `SendQueueStoppedError` when the queue stops first. `mutating: false` marks calls that cannot
   * change anything (their lost answers are `upstream_transient`, not `ambiguous`).
   */
  enqueue<T>(
    label: string,
    run: () => Promise<T>,
    options: { mutating?: boolean } = {},
  ): Promise<T> {
    if (this.#stopped) return Promise.reject(new SendQueueStoppedError());
    if (this.#jobs.length >= this.#maxQueued)
      return Promise.reject(new SendQueueFullError(this.#maxQueued));
    const result = new Promise<T>((resolve, reject) => {
      this.#jobs.push({
        label,
        mutating: options.mutating ?? true,
        run,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      void this.#drain();
    });
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves once every call queued so far has finished (succeeded, failed or been refused). Never rejects. */
  settled(): Promise<void> {
    return this.#tail;
  }

  get stats(): SendQueueStats {
    return { ...this.#counters, queued: this.#jobs.length };
  }

  /**
   * Refuses new calls and rejects the waiting ones with `SendQueueStoppedError`; a running call
   * finishes.
   */
  stop(): void {
    this.#stopped = true;
    for (const job of this.#jobs.splice(0)) job.reject(new SendQueueStoppedError());
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let job = this.#jobs.shift(); job; job = this.#jobs.shift()) await this.#execute(job);
    } finally {
      this.#running = false;
    }
  }

  async #execute(job: Job): Promise<void> {
    let delayMs = this.#initialDelayMs;
    for (let refusals = 0; ; refusals++) {
      await this.#takeToken();
      try {
        const value = await job.run();
        this.#counters.completed += 1;
        job.resolve(value);
        return;
      } catch (error) {
        const code = classifyPhotonError(error, job.mutating);
        if (code === "rate_limited" && refusals < this.#maxRetries && !this.#stopped) {
          this.#counters.rateLimitRetries += 1;
          await this.#sleep(delayMs);
          delayMs = Math.min(delayMs * 2, this.#maxDelayMs);
          continue;
        }
        this.#counters.failed += 1;
        job.reject(new PhotonSendError(code, job.label, error));
        return;
      }
    }
  }

  async #takeToken(): Promise<void> {
    for (;;) {
      const now = this.#now();
      this.#tokens = Math.min(
        this.#burst,
        this.#tokens + ((now - this.#refilledAt) / 1000) * this.#ratePerSecond,
      );
      this.#refilledAt = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await this.#sleep(Math.ceil(((1 - this.#tokens) / this.#ratePerSecond) * 1000));
    }
  }
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}
