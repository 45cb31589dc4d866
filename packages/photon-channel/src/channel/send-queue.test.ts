import { describe, expect, it } from "vitest";
import { PhotonSendError } from "./errors.js";
import { SendQueue, SendQueueFullError, SendQueueStoppedError } from "./send-queue.js";

/** A clock that only moves when the queue sleeps: every wait is recorded, none is real. */
function virtualTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
    elapsed: () => now,
  };
}

const rateLimited = () =>
  Object.assign(new Error("rate limit exceeded"), { name: "RateLimitError", grpcCode: 8 });
const connectionLost = () =>
  Object.assign(new Error("reset"), { name: "ConnectionError", grpcCode: 14 });

describe("SendQueue", () => {
  it("runs calls in order at no more than the configured rate", async () => {
    const time = virtualTime();
    const queue = new SendQueue({ ratePerSecond: 5, now: time.now, sleep: time.sleep });
    const ran: Array<[number, number]> = [];
    await Promise.all(
      Array.from({ length: 11 }, (_, i) =>
        queue.enqueue("send", async () => ran.push([i, time.now()])),
      ),
    );
    expect(ran.map(([i]) => i)).toEqual([...Array(11).keys()]);
    // 11 calls at 5/s with a burst of 1: the last one cannot start before 2 s.
    expect(ran.at(-1)?.[1]).toBeGreaterThanOrEqual(2000);
    for (let i = 1; i < ran.length; i++)
      expect((ran[i]?.[1] ?? 0) - (ran[i - 1]?.[1] ?? 0)).toBeGreaterThanOrEqual(200);
  });

  it("with the budget free, a call runs at once: no wait and not even a timer or I/O turn first", async () => {
    // A reply 250 ms after the last one (past one pacing step at 5/s) must not pay for pacing:
    // the call starts in the same turn of the event loop as enqueue().
    let now = 0;
    const sleeps: number[] = [];
    const queue = new SendQueue({
      ratePerSecond: 5,
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    for (const gapMs of [0, 250, 200]) {
      now += gapMs;
      const order: string[] = [];
      const nextTurn = new Promise<void>((resolve) =>
        setImmediate(() => {
          order.push("next event-loop turn");
          resolve();
        }),
      );
      const sent = queue.enqueue("send", async () => order.push("call ran"));
      await nextTurn;
      await sent;
      expect(order).toEqual(["call ran", "next event-loop turn"]);
    }
    expect(sleeps).toEqual([]);
    // Within the pacing step it does wait (the bucket is empty): the test above can fail.
    await queue.enqueue("send", async () => undefined);
    expect(sleeps).toEqual([200]);
  });

  it("waits out RESOURCE_EXHAUSTED with growing backoff and runs the same call again: delayed, not dropped", async () => {
    const time = virtualTime();
    const queue = new SendQueue({
      ratePerSecond: 1000,
      rateLimitInitialDelayMs: 1000,
      now: time.now,
      sleep: time.sleep,
    });
    let attempts = 0;
    const result = await queue.enqueue("send", async () => {
      attempts += 1;
      if (attempts <= 3) throw rateLimited();
      return "delivered";
    });
    expect(result).toBe("delivered");
    expect(attempts).toBe(4);
    expect(time.sleeps.filter((ms) => ms >= 1000)).toEqual([1000, 2000, 4000]);
    expect(queue.stats).toMatchObject({ completed: 1, rateLimitRetries: 3, failed: 0 });
  });

  it("gives up on a call that stays rate-limited, saying so", async () => {
    const time = virtualTime();
    const queue = new SendQueue({ maxRateLimitRetries: 2, now: time.now, sleep: time.sleep });
    const error = await queue
      .enqueue("send", async () => Promise.reject(rateLimited()))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PhotonSendError);
    expect(error).toMatchObject({ code: "rate_limited", grpcCode: 8 });
  });

  it("never runs an ambiguous call again, and later calls still run", async () => {
    const time = virtualTime();
    const queue = new SendQueue({ now: time.now, sleep: time.sleep });
    let attempts = 0;
    const first = queue.enqueue("send", async () => {
      attempts += 1;
      throw connectionLost();
    });
    const second = queue.enqueue("send", async () => "ok");
    await expect(first).rejects.toMatchObject({ code: "ambiguous" });
    await expect(second).resolves.toBe("ok");
    expect(attempts).toBe(1);
  });

  it("refuses, loudly, when full; rejects waiting calls when stopped", async () => {
    const time = virtualTime();
    const queue = new SendQueue({ maxQueued: 2, now: time.now, sleep: time.sleep });
    let release: () => void = () => undefined;
    const running = queue.enqueue(
      "send",
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    await Promise.resolve();
    const waiting = [queue.enqueue("send", async () => 1), queue.enqueue("send", async () => 2)];
    await expect(queue.enqueue("send", async () => 3)).rejects.toBeInstanceOf(SendQueueFullError);
    queue.stop();
    for (const call of waiting) await expect(call).rejects.toBeInstanceOf(SendQueueStoppedError);
    release();
    await running;
    await expect(queue.enqueue("send", async () => 4)).rejects.toBeInstanceOf(
      SendQueueStoppedError,
    );
  });

  it("settled() waits for every call queued so far, failed ones included, and not for later ones", async () => {
    const time = virtualTime();
    const queue = new SendQueue({ ratePerSecond: 1000, now: time.now, sleep: time.sleep });
    await queue.settled(); // nothing queued: settled already
    let releaseFirst = (): void => undefined;
    const first = queue.enqueue("first", () => new Promise<void>((r) => (releaseFirst = r)));
    const failing = queue.enqueue("failing", () => Promise.reject(connectionLost()));
    const settled = queue.settled().then(() => "settled");
    let releaseLater = (): void => undefined;
    const later = queue.enqueue("later", () => new Promise<void>((r) => (releaseLater = r)));
    expect(
      await Promise.race([settled, new Promise((r) => setTimeout(() => r("pending"), 20))]),
    ).toBe("pending");
    releaseFirst();
    await first;
    await expect(failing).rejects.toBeInstanceOf(PhotonSendError);
    // "later" is still running: what was queued before the call has settled all the same.
    expect(await settled).toBe("settled");
    releaseLater();
    await later;
  });
});
