// One agent turn at a time per session key; later turns for the same key wait in arrival
// order (FIFO). Different sessions run concurrently. A running turn may `release` its session
// early — once all it has left is to wait for the connector's answer to its last reply — and
// the session's next turn starts then, told to wait for that turn to settle (`previous`) before
// it sends anything; at most one released turn per session is unsettled at a time.
// `interrupt(key)` aborts exactly that session's running turn. `drain` stops accepting turns,
// waits for the accepted ones within a budget, then cancels whatever is left (released turns
// included).
import { getEventListeners } from "node:events";
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

/** The abort reason of a running turn cut off by the drain budget (it did not finish: run it again after a restart). */
export class DrainAbortError extends Error {
  readonly code = "GATEWAY_DRAIN_ABORTED";
  constructor() {
    super("The turn was stopped at the drain budget; it runs again after the restart.");
    this.name = "DrainAbortError";
  }
}

export interface TurnSchedulerOptions {
  /** Turns accepted and not settled, all sessions together. Default 10 000. */
  readonly maxPending?: number;
  /** Turns accepted and not settled in one session. Default 100. */
  readonly maxPerSession?: number;
}

/**
 * A turn. `signal` aborts it (interrupt, drain budget). `release()` lets the session's next turn
 * start before this one settles (harmless to call twice; no effect while another released turn
 * of the session is unsettled). `previous`: the session's released turn still unsettled when
 * this one started (it settles, never rejects), or null — wait for it before sending anything to
 * the chat, so that one turn of the session at most has a reply out without its answer.
 */
export type TurnRun<T> = (
  signal: AbortSignal,
  release: () => void,
  previous: Promise<void> | null,
) => Promise<T>;

export interface DrainResult {
  /** True when every accepted turn finished within the budget. */
  readonly finishedInBudget: boolean;
  /** Running turns aborted when the budget ran out. */
  readonly cancelled: number;
  /** Queued turns that never started because the budget ran out. */
  readonly notStarted: number;
}

/**
 * How a turn ended: `ok` with the value its run resolved with, or not with the reason. Must not
 * throw: what it throws is reported as a process warning and dropped (the session's next turn
 * must still start).
 */
export type TurnDone<T> = (ok: boolean, value: T | unknown) => void;

function tell(done: TurnDone<unknown>, ok: boolean, value: unknown): void {
  try {
    done(ok, value);
  } catch (e) {
    process.emitWarning(
      `a turn's end handler threw (a bug; the session goes on): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

interface Job {
  readonly run: TurnRun<unknown>;
  readonly done: TurnDone<unknown>;
  /** Its controller while it runs. */
  ac: AbortController | null;
  /** Set when it released its session (see TurnRun): resolves when it settles. */
  settled: Promise<void> | null;
  onSettled: (() => void) | null;
}

/**
 * A session's waiting turns, the controller of the running one (null between turns), and the
 * released turn not settled yet (at most one). Retired when all three are empty.
 */
interface Lane {
  running: AbortController | null;
  readonly waiting: Job[];
  released: Job | null;
}

const DEFAULT_MAX_PENDING = 10_000;
/** Spare controllers kept for reuse (one per concurrently running turn is enough). */
const MAX_SPARE_CONTROLLERS = 64;
const DEFAULT_MAX_PER_SESSION = 100;
/** Spare lanes kept for reuse. */
const MAX_SPARE_LANES = 64;

export class TurnScheduler {
  // Plain per-session queues rather than a promise chain per turn: a busy gateway keeps each
  // turn's objects alive across garbage collections, so fewer of them per turn is less memory.
  readonly #lanes = new Map<string, Lane>();
  #running = 0;
  #pending = 0; // accepted, not yet settled (queued or running)
  #draining = false;
  #cancelAll = false;
  #idleWaiters: Array<() => void> = [];
  #roomWaiters: Array<{ readonly sessionKey: string; readonly resolve: () => void }> = [];
  /**
   * Controllers of finished turns that were never aborted and have no listener left, reused
   * for later turns: creating an AbortController (an EventTarget) per turn was the largest
   * single cost of a gateway turn in CPU and garbage (apps/gateway/BENCH.md). A controller
   * that was aborted, or that still has an abort listener (someone may still hold its signal
   * for a purpose), is never reused.
   */
  readonly #spare: AbortController[] = [];
  /** Retired lanes (empty: nothing running, waiting or released), reused for new sessions. */
  readonly #spareLanes: Lane[] = [];
  readonly #maxPending: number;
  readonly #maxPerSession: number;

  constructor(opts: TurnSchedulerOptions = {}) {
    this.#maxPending = Math.max(1, opts.maxPending ?? DEFAULT_MAX_PENDING);
    this.#maxPerSession = Math.max(1, opts.maxPerSession ?? DEFAULT_MAX_PER_SESSION);
  }

  /** Limits in force (for logs). */
  get limits(): { readonly maxPending: number; readonly maxPerSession: number } {
    return { maxPending: this.#maxPending, maxPerSession: this.#maxPerSession };
  }

  /** Which bound a new turn for this session would exceed, or null when it fits. */
  wouldShed(sessionKey: string): "total" | "session" | null {
    if (this.#pending >= this.#maxPending) return "total";
    const lane = this.#lanes.get(sessionKey);
    if (lane !== undefined && lane.waiting.length + (lane.running ? 1 : 0) >= this.#maxPerSession)
      return "session";
    return null;
  }

  /**
   * Resolves once a new turn for this session fits both bounds (at once when it does now), or
   * when draining starts: a host that must not shed a message (a replayed one) waits here, then
   * checks again.
   */
  whenRoom(sessionKey: string): Promise<void> {
    if (this.#roomFor(sessionKey)) return Promise.resolve();
    return new Promise<void>((resolve) => this.#roomWaiters.push({ sessionKey, resolve }));
  }

  /** A whenRoom() waiter for this session may go: the turn fits, or the drain has started. */
  #roomFor(sessionKey: string): boolean {
    return this.#draining || this.wouldShed(sessionKey) === null;
  }

  get draining(): boolean {
    return this.#draining;
  }
  /** Turns running right now. */
  get inFlight(): number {
    return this.#running;
  }
  /** Turns accepted and not settled (running + waiting). */
  get pending(): number {
    return this.#pending;
  }
  /** whenRoom() callers still waiting (e.g. replayed messages past a queue bound). */
  get waitingForRoom(): number {
    return this.#roomWaiters.length;
  }

  submit<T>(sessionKey: string, run: TurnRun<T>): Promise<T> {
    if (this.#draining) return Promise.reject(new TurnsDrainingError());
    return new Promise<T>((resolve, reject) =>
      this.#enqueue(sessionKey, run as TurnRun<unknown>, (ok, value) =>
        ok ? resolve(value as T) : reject(value),
      ),
    );
  }

  /**
   * As submit, with the end told to `done` instead of a promise (one callback per turn rather
   * than a promise and its reactions: the gateway's per-message path, apps/gateway/BENCH.md).
   * While draining, `done(false, TurnsDrainingError)` is called at once.
   */
  enqueue<T>(sessionKey: string, run: TurnRun<T>, done: TurnDone<T>): void {
    if (this.#draining) tell(done as TurnDone<unknown>, false, new TurnsDrainingError());
    else this.#enqueue(sessionKey, run as TurnRun<unknown>, done as TurnDone<unknown>);
  }

  #enqueue(sessionKey: string, run: TurnRun<unknown>, done: TurnDone<unknown>): void {
    this.#pending++;
    const job: Job = { run, done, ac: null, settled: null, onSettled: null };
    const lane = this.#lanes.get(sessionKey);
    if (lane === undefined) {
      const fresh: Lane = this.#spareLanes.pop() ?? { running: null, waiting: [], released: null };
      this.#lanes.set(sessionKey, fresh);
      this.#start(sessionKey, fresh, job);
    } else if (lane.running === null && lane.waiting.length === 0) {
      this.#start(sessionKey, lane, job); // only a released turn is there
    } else {
      lane.waiting.push(job);
    }
  }

  #start(sessionKey: string, lane: Lane, job: Job): void {
    if (this.#cancelAll) {
      tell(job.done, false, new TurnCancelledError());
      this.#settled(sessionKey, lane);
      return;
    }
    const ac = this.#spare.pop() ?? new AbortController();
    lane.running = ac;
    job.ac = ac;
    this.#running++;
    let turn: Promise<unknown>;
    try {
      turn = job.run(
        ac.signal,
        () => this.#release(sessionKey, lane, job),
        lane.released?.settled ?? null,
      );
    } catch (e) {
      turn = Promise.reject(e);
    }
    turn.then(
      (value) => this.#ran(sessionKey, lane, job, true, value),
      (reason: unknown) => this.#ran(sessionKey, lane, job, false, reason),
    );
  }

  /** `job` gives its session to the next turn before it settles (see TurnRun). */
  #release(sessionKey: string, lane: Lane, job: Job): void {
    if (job.ac === null || lane.running !== job.ac || lane.released !== null) return;
    job.settled = new Promise<void>((r) => (job.onSettled = r));
    lane.released = job;
    lane.running = null;
    // The next turn starts from a microtask, not inside the releasing turn's call stack.
    if (lane.waiting.length > 0) queueMicrotask(() => this.#advance(sessionKey, lane));
    // The session has room for one more now (the released turn no longer counts against it).
    if (this.#roomWaiters.length > 0) this.#wakeRoomWaiters();
  }

  #ran(sessionKey: string, lane: Lane, job: Job, ok: boolean, outcome: unknown): void {
    const ac = job.ac;
    job.ac = null;
    if (lane.released === job) {
      lane.released = null;
      job.onSettled?.();
    } else lane.running = null;
    if (
      ac !== null &&
      !ac.signal.aborted &&
      this.#spare.length < MAX_SPARE_CONTROLLERS &&
      getEventListeners(ac.signal, "abort").length === 0
    )
      this.#spare.push(ac);
    this.#running--;
    tell(job.done, ok, outcome);
    this.#settled(sessionKey, lane);
  }

  /** A job of `lane` settled (ran or was cancelled). */
  #settled(sessionKey: string, lane: Lane): void {
    this.#pending--;
    this.#advance(sessionKey, lane);
    if (this.#roomWaiters.length > 0) this.#wakeRoomWaiters();
    if (this.#pending === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  /** Resolve the whenRoom() waiters that fit now (all of them once draining). */
  #wakeRoomWaiters(): void {
    const waiting = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const w of waiting) {
      if (this.#roomFor(w.sessionKey)) w.resolve();
      else this.#roomWaiters.push(w);
    }
  }

  /** If the session is free: start its next turn, or retire the lane once nothing of it is left. */
  #advance(sessionKey: string, lane: Lane): void {
    if (lane.running !== null) return;
    const next = lane.waiting.shift();
    if (next !== undefined) this.#start(sessionKey, lane, next);
    else if (lane.released === null && this.#lanes.get(sessionKey) === lane) {
      this.#lanes.delete(sessionKey);
      if (this.#spareLanes.length < MAX_SPARE_LANES) this.#spareLanes.push(lane);
    }
  }

  /** Abort the running turn of this session; true when there was one. */
  interrupt(sessionKey: string, reason: unknown = new Error("interrupted")): boolean {
    const ac = this.#lanes.get(sessionKey)?.running;
    if (!ac) return false;
    ac.abort(reason);
    return true;
  }

  /** `onBudgetExhausted` runs when the budget ran out, after the running turns were aborted (a host frees what they wait on). */
  async drain(
    budgetMs: number,
    sleep: (ms: number) => Promise<void> = (ms) => delay(ms),
    onBudgetExhausted: () => void = () => undefined,
  ): Promise<DrainResult> {
    this.#draining = true;
    this.#wakeRoomWaiters();
    if (this.#pending === 0) return { finishedInBudget: true, cancelled: 0, notStarted: 0 };
    const idle = new Promise<"idle">((r) => this.#idleWaiters.push(() => r("idle")));
    const outcome = await Promise.race([idle, sleep(budgetMs).then(() => "timeout" as const)]);
    if (outcome === "idle") return { finishedInBudget: true, cancelled: 0, notStarted: 0 };
    this.#cancelAll = true;
    const cancelled = this.#running;
    const notStarted = this.#pending - this.#running;
    for (const lane of this.#lanes.values()) {
      lane.running?.abort(new DrainAbortError());
      lane.released?.ac?.abort(new DrainAbortError());
    }
    try {
      onBudgetExhausted();
    } catch {
      // The host's hook never keeps the drain from finishing.
    }
    await idle;
    return { finishedInBudget: false, cancelled, notStarted };
  }
}
