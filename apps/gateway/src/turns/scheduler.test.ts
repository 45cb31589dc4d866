import { describe, expect, it } from "vitest";
import {
  DrainAbortError,
  TurnCancelledError,
  TurnScheduler,
  TurnsDrainingError,
} from "./scheduler.js";

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
const untilAborted = (signal: AbortSignal) =>
  new Promise<string>((_, reject) =>
    signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true }),
  );

describe("TurnScheduler", () => {
  it("runs one turn at a time per session, in arrival order; other sessions run concurrently", async () => {
    const s = new TurnScheduler();
    const log: string[] = [];
    const gate = deferred();
    const a1 = s.submit("A", async () => {
      log.push("a1 start");
      await gate.promise;
      log.push("a1 end");
    });
    const a2 = s.submit("A", async () => void log.push("a2"));
    const a3 = s.submit("A", async () => void log.push("a3"));
    await s.submit("B", async () => void log.push("b1"));
    expect(log).toEqual(["a1 start", "b1"]);
    expect(s.inFlight).toBe(1);
    gate.resolve();
    await Promise.all([a1, a2, a3]);
    expect(log).toEqual(["a1 start", "b1", "a1 end", "a2", "a3"]);
    expect(s.pending).toBe(0);
  });

  it("a released turn lets the session's next turn start, handing it a promise of its own end; one released turn per session at a time", async () => {
    const s = new TurnScheduler();
    const log: string[] = [];
    const answer1 = deferred();
    const answer2 = deferred();
    const seen: (Promise<void> | null)[] = [];
    const t1 = s.submit("A", async (_signal, release, previous) => {
      seen.push(previous);
      log.push("t1 sent");
      release();
      release(); // twice: harmless
      await answer1.promise;
      log.push("t1 answered");
    });
    const t2 = s.submit("A", async (_signal, release, previous) => {
      seen.push(previous);
      log.push("t2 start");
      release(); // t1 is still unsettled: no effect, t3 waits for t2
      await previous;
      log.push("t2 after t1");
      await answer2.promise;
      log.push("t2 answered");
    });
    const t3 = s.submit("A", async (_signal, _release, previous) => {
      seen.push(previous);
      log.push("t3 start");
    });
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(["t1 sent", "t2 start"]);
    expect(s.inFlight).toBe(2);
    expect(s.wouldShed("A")).toBeNull();
    expect(seen[0]).toBeNull();
    expect(seen[1]).toBeInstanceOf(Promise);
    answer1.resolve();
    await t1;
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(["t1 sent", "t2 start", "t1 answered", "t2 after t1"]);
    answer2.resolve();
    await Promise.all([t2, t3]);
    expect(log).toEqual([
      "t1 sent",
      "t2 start",
      "t1 answered",
      "t2 after t1",
      "t2 answered",
      "t3 start",
    ]);
    expect(seen[2]).toBeNull(); // t2 never released: t3 started after it settled
    expect(s.pending).toBe(0);
    // The session is forgotten once idle: a new turn starts at once, with nothing before it.
    let fresh: Promise<void> | null | undefined;
    await s.submit("A", async (_signal, _release, previous) => void (fresh = previous));
    expect(fresh).toBeNull();
  });

  it("interrupt reaches the session's running turn, not a released one; the drain budget aborts both", async () => {
    const s = new TurnScheduler();
    const released = deferred();
    const results: unknown[] = [];
    const t1 = s
      .submit("A", async (signal, release) => {
        release();
        released.resolve();
        await untilAborted(signal);
      })
      .catch((e: unknown) => results.push(["t1", (e as Error).name]));
    await released.promise;
    const t2 = s
      .submit("A", async (signal) => {
        await untilAborted(signal);
      })
      .catch((e: unknown) => results.push(["t2", (e as Error).message]));
    await new Promise((r) => setImmediate(r));
    expect(s.interrupt("A", new Error("stop"))).toBe(true);
    await t2;
    expect(results).toEqual([["t2", "stop"]]);
    const drained = await s.drain(20);
    await t1;
    expect(drained).toEqual({ finishedInBudget: false, cancelled: 1, notStarted: 0 });
    expect(results).toEqual([
      ["t2", "stop"],
      ["t1", "DrainAbortError"],
    ]);
  });

  it("interrupt cancels exactly that session's running turn; the queue goes on", async () => {
    const s = new TurnScheduler();
    const started = deferred();
    const a = s.submit("A", (sig) => (started.resolve(), untilAborted(sig)));
    const bGate = deferred();
    const b = s.submit("B", async (sig) => {
      await bGate.promise;
      return sig.aborted ? "aborted" : "ok";
    });
    const a2 = s.submit("A", async () => "next");
    await started.promise;
    expect(s.interrupt("A")).toBe(true);
    await expect(a).rejects.toThrow("interrupted");
    await expect(a2).resolves.toBe("next");
    bGate.resolve();
    await expect(b).resolves.toBe("ok");
    expect(s.interrupt("nobody")).toBe(false);
  });

  it("a failing turn does not block the session", async () => {
    const s = new TurnScheduler();
    const bad = s.submit("A", async () => {
      throw new Error("boom");
    });
    await expect(bad).rejects.toThrow("boom");
    await expect(s.submit("A", async () => 1)).resolves.toBe(1);
  });

  it("drain: refuses new turns and waits for accepted ones", async () => {
    const s = new TurnScheduler();
    const gate = deferred();
    const t = s.submit("A", async () => (await gate.promise, "done"));
    const never = new Promise<void>(() => {});
    const drained = s.drain(1000, () => never);
    await expect(s.submit("B", async () => 1)).rejects.toBeInstanceOf(TurnsDrainingError);
    gate.resolve();
    await expect(t).resolves.toBe("done");
    await expect(drained).resolves.toEqual({
      finishedInBudget: true,
      cancelled: 0,
      notStarted: 0,
    });
  });

  it("drain: when the budget runs out, running turns are aborted and queued ones cancelled", async () => {
    const s = new TurnScheduler();
    const started = deferred();
    const running = s.submit("A", (sig) => (started.resolve(), untilAborted(sig)));
    const queued = s.submit("A", async () => "should not run");
    await started.promise;
    const budget = deferred();
    const drained = s.drain(5, () => budget.promise);
    budget.resolve();
    await expect(drained).resolves.toEqual({
      finishedInBudget: false,
      cancelled: 1,
      notStarted: 1,
    });
    await expect(running).rejects.toBeInstanceOf(DrainAbortError);
    await expect(queued).rejects.toBeInstanceOf(TurnCancelledError);
  });

  it("drain: the host's hook runs once when the budget runs out, after the running turns were aborted", async () => {
    const s = new TurnScheduler();
    const started = deferred();
    let abortedFirst: boolean | null = null;
    let signal: AbortSignal | null = null;
    const running = s.submit("A", (sig) => ((signal = sig), started.resolve(), untilAborted(sig)));
    await started.promise;
    const calls: number[] = [];
    const drained = s.drain(
      5,
      () => Promise.resolve(),
      () => {
        abortedFirst = (signal as AbortSignal | null)?.aborted ?? null;
        calls.push(1);
      },
    );
    await expect(running).rejects.toBeInstanceOf(DrainAbortError);
    await drained;
    expect(calls).toEqual([1]);
    expect(abortedFirst).toBe(true);
    // Within the budget the hook does not run.
    const t = new TurnScheduler();
    const hook: number[] = [];
    await t.submit("B", async () => "done");
    await t.drain(
      5,
      () => new Promise(() => undefined),
      () => hook.push(1),
    );
    expect(hook).toEqual([]);
  });

  it("a turn that throws before returning a promise fails alone; the session's next turn runs, and the session is forgotten when idle", async () => {
    const s = new TurnScheduler();
    const gate = deferred();
    const first = s.submit("A", () => gate.promise);
    const bad = s.submit("A", () => {
      throw new Error("sync boom");
    });
    const after = s.submit("A", async () => "after");
    expect(s.pending).toBe(3);
    gate.resolve();
    await first;
    await expect(bad).rejects.toThrow("sync boom");
    await expect(after).resolves.toBe("after");
    expect(s.pending).toBe(0);
    expect(s.inFlight).toBe(0);
    expect(s.interrupt("A")).toBe(false);
  });

  it("wouldShed names the bound a new turn would exceed: per session first counts the running turn, then the total", async () => {
    const s = new TurnScheduler({ maxPending: 3, maxPerSession: 2 });
    const gate = deferred();
    const turns = [s.submit("A", () => gate.promise), s.submit("A", () => gate.promise)];
    expect(s.wouldShed("A")).toBe("session");
    expect(s.wouldShed("B")).toBeNull();
    turns.push(s.submit("B", () => gate.promise));
    expect(s.wouldShed("C")).toBe("total");
    gate.resolve();
    await Promise.all(turns);
    expect(s.wouldShed("A")).toBeNull();
    expect(s.limits).toEqual({ maxPending: 3, maxPerSession: 2 });
  });

  it("whenRoom resolves at once when a turn fits, else once one settles and it fits, and at the drain", async () => {
    const s = new TurnScheduler({ maxPending: 3, maxPerSession: 1 });
    await s.whenRoom("A"); // empty: at once
    const a = deferred();
    const b = deferred();
    const turns = [s.submit("A", () => a.promise), s.submit("B", () => b.promise)];
    const woke: string[] = [];
    const forA = s.whenRoom("A").then(() => woke.push("A"));
    expect(s.waitingForRoom).toBe(1);
    const forC = s.whenRoom("C").then(() => woke.push("C")); // fits: at once
    expect(s.waitingForRoom).toBe(1);
    await forC;
    b.resolve(); // B's turn settles: A still full
    await turns[1];
    await new Promise((r) => setImmediate(r));
    expect(woke).toEqual(["C"]);
    a.resolve();
    await turns[0];
    await forA;
    expect(woke).toEqual(["C", "A"]);
    expect(s.waitingForRoom).toBe(0);
    expect(s.wouldShed("A")).toBeNull();
    // The total bound too; and a waiter is let go when the drain starts (it checks again then).
    const held = deferred();
    const more = [1, 2, 3].map((n) => s.submit(`S${n}`, () => held.promise));
    expect(s.wouldShed("D")).toBe("total");
    let dWoke = false;
    const forD = s.whenRoom("D").then(() => (dWoke = true));
    await new Promise((r) => setImmediate(r));
    expect(dWoke).toBe(false); // the total bound holds it
    const drained = s.drain(10_000);
    await forD;
    expect(s.draining).toBe(true);
    held.resolve();
    await Promise.all(more);
    expect((await drained).finishedInBudget).toBe(true);
  });

  it("whenRoom wakes when a turn releases its session (it no longer counts against the session's bound)", async () => {
    const s = new TurnScheduler({ maxPerSession: 1 });
    const answer = deferred();
    let release!: () => void;
    const turn = s.submit("A", (_signal, rel) => {
      release = rel;
      return answer.promise;
    });
    let woke = false;
    const forA = s.whenRoom("A").then(() => (woke = true));
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(false);
    release(); // e.g. its whole reply is on the link, only the connector's answer is awaited
    await forA;
    expect(s.wouldShed("A")).toBeNull();
    answer.resolve();
    await turn;
  });

  it("enqueue tells each turn's end to its callback, after the turn settled and before the session's next turn starts; a throwing callback does not stop the session", async () => {
    const s = new TurnScheduler();
    const log: string[] = [];
    const gate = deferred();
    const ended = deferred();
    s.enqueue(
      "A",
      async () => {
        await gate.promise;
        return "first";
      },
      (ok, value) => {
        log.push(`done ${String(ok)} ${String(value)} pending=${s.pending}`);
        throw new Error("a careless host"); // dropped
      },
    );
    s.enqueue(
      "A",
      async () => {
        log.push("second runs");
        throw new Error("second failed");
      },
      (ok, value) => {
        log.push(`done ${String(ok)} ${(value as Error).message}`);
        ended.resolve();
      },
    );
    expect(log).toEqual([]);
    const warned = new Promise<Error>((r) => process.once("warning", r));
    gate.resolve();
    await ended.promise;
    expect((await warned).message).toContain("a careless host");
    expect(log).toEqual(["done true first pending=2", "second runs", "done false second failed"]);
    expect(s.pending).toBe(0);
    expect(s.inFlight).toBe(0);
  });

  it("enqueue while draining: the callback hears TurnsDrainingError at once and the turn never runs", async () => {
    const s = new TurnScheduler();
    await s.drain(0);
    const heard: unknown[] = [];
    let ran = false;
    s.enqueue(
      "A",
      async () => {
        ran = true;
      },
      (ok, value) => heard.push(ok, value),
    );
    expect(heard[0]).toBe(false);
    expect(heard[1]).toBeInstanceOf(TurnsDrainingError);
    expect(ran).toBe(false);
    expect(s.pending).toBe(0);
  });

  it("sessions that come and go keep their own order and their own previous turn (retired lanes are reused)", async () => {
    const s = new TurnScheduler();
    const order: string[] = [];
    for (let round = 0; round < 3; round++) {
      const answers = ["A", "B", "C"].map(() => deferred());
      const seen: (Promise<void> | null)[] = [];
      const turns = ["A", "B", "C"].flatMap((key, i) => [
        s.submit(key, async (_signal, release) => {
          order.push(`${key}${round} first`);
          release();
          await answers[i]!.promise;
        }),
        s.submit(key, async (_signal, _release, previous) => {
          seen.push(previous);
          await previous;
          order.push(`${key}${round} second`);
        }),
      ]);
      await Promise.resolve();
      expect(seen).toHaveLength(3);
      expect(seen.every((p) => p !== null)).toBe(true);
      for (const a of [...answers].reverse()) a.resolve();
      await Promise.all(turns);
      expect(s.pending).toBe(0);
      expect(s.interrupt("A") || s.interrupt("B") || s.interrupt("C")).toBe(false);
    }
    for (const key of ["A", "B", "C"])
      for (let round = 0; round < 3; round++) {
        const mine = order.filter((o) => o.startsWith(`${key}${round} `));
        expect(mine).toEqual([`${key}${round} first`, `${key}${round} second`]);
      }
  });
});
