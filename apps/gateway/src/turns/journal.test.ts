import {
  appendFileSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { measureGrowth } from "@hermes/vitest-config/growth";
import { seededRandom } from "@hermes/vitest-config/seeded-random";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkJournal, JournalError, journalPath, recordTurnEnd, TurnJournal } from "./journal.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempPath(): string {
  const d = mkdtempSync(join(tmpdir(), "journal-"));
  dirs.push(d);
  return journalPath(d, "gw/1");
}
const ev = (text: string) => ({ text, source: { chat_id: "C" } });
/** The journal's records: the file without its format line (the first line of a new file). */
function recordsOf(path: string): string {
  const text = readFileSync(path, "utf8");
  expect(text.startsWith('{"v":2}\n')).toBe(true);
  return text.slice('{"v":2}\n'.length);
}
/** The end of this event-loop turn, when the journal writes what it recorded in it. */
const written = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("checkJournal (run --check) refuses exactly what TurnJournal.open refuses, touching nothing", () => {
  it.each([
    ['{"v":99}\r\n'],
    ['{ "v": 99 }\n'],
    ['\n{"v":99}\n'],
    ['{"v":2}\n{"v":99}\n'],
    ['{"v":99,"x":1}\n'],
    ['{"v":1e9}\n'],
    ['{"v":2.5}\n'],
    ['{"v":2}\n{"a":"k","w":{"p":"x"},"v":99}\n'],
    ['{"v":2}\n{"d":"k","v":99}\n'],
    ['{"v":2}\n{"d":"k"}\n'],
    ['{"v":1}\n'],
    ["garbage\n"],
    [""],
  ])("%j", (text) => {
    const path = tempPath();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    const checked = (() => {
      try {
        checkJournal(path);
        return "ok";
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(readFileSync(path, "utf8")).toBe(text);
    const opened = (() => {
      try {
        TurnJournal.open(path).journal.close();
        return "ok";
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(checked).toBe(opened);
  });

  it("a journal in a directory it cannot rewrite in (a compaction renames a new file there)", () => {
    const path = tempPath();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '{"v":2}\n');
    // Root passes every access(2) check: the directory's refusal is given to the check.
    const denyDir = (p: string): void => {
      if (p === dirname(path)) throw Object.assign(new Error("denied"), { code: "EACCES" });
    };
    expect(() => checkJournal(path, denyDir)).toThrow(
      `the turn journal ${path} cannot be rewritten: ${dirname(path)} is not writable`,
    );
    expect(() => checkJournal(path, () => undefined)).not.toThrow();
  });
});

describe("TurnJournal", () => {
  it("a take record whose event the host refuses, or that cannot be serialized again, is skipped and counted; the rest still run", async () => {
    const path = tempPath();
    const { journal } = TurnJournal.open<ReturnType<typeof ev>>(path);
    journal.take("good", ev("one"));
    journal.take("bad", { text: 5 } as unknown as ReturnType<typeof ev>);
    journal.take("finished-bad", { text: 6 } as unknown as ReturnType<typeof ev>);
    journal.finish("finished-bad");
    await written();
    journal.close();
    const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
    appendFileSync(path, `{"a":"deep","e":{"text":"d","source":${deep}}}\n`);
    const accept = (e: unknown) => typeof (e as { text?: unknown }).text === "string";
    const opened = TurnJournal.open<ReturnType<typeof ev>>(path, { accept });
    // "bad" refused; "deep" accepted by the host but not writable by a compaction; a refused
    // record that was finished later is not counted (it would not have run anyway).
    expect(opened.unfinished).toEqual([{ key: "good", event: ev("one") }]);
    expect(opened.skippedLines).toBe(2);
    opened.journal.close();
    // The rewrite at open left them out: the next open is clean.
    const again = TurnJournal.open<ReturnType<typeof ev>>(path, { accept });
    expect(again.skippedLines).toBe(0);
    expect(again.unfinished).toEqual([{ key: "good", event: ev("one") }]);
    again.journal.close();
  });

  it("a turn taken and not finished is handed back by the next open, in order; finished keys are remembered", async () => {
    const path = tempPath();
    const first = TurnJournal.open<ReturnType<typeof ev>>(path);
    expect(first.unfinished).toEqual([]);
    const j = first.journal;
    j.take("k1", ev("one"));
    j.take("k2", ev("two"));
    j.take("k3", ev("three"));
    j.finish("k2");
    expect(j.state("k1")).toBe("open");
    expect(j.state("k2")).toBe("finished");
    expect(j.state("nope")).toBeNull();
    // Nothing is written before the end of the event-loop turn (one write(2) per batch)…
    expect(recordsOf(path)).toBe("");
    await written();
    // …then it is. No close(): as after kill -9, only what was written counts.
    const again = TurnJournal.open<ReturnType<typeof ev>>(path);
    expect(again.unfinished).toEqual([
      { key: "k1", event: ev("one") },
      { key: "k3", event: ev("three") },
    ]);
    expect(again.journal.state("k2")).toBe("finished");
    expect(again.skippedLines).toBe(0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(path).toContain(encodeURIComponent("gw/1"));
  });

  it("a turn finished before the batch is written leaves only its finish record; open ones are written in take order", async () => {
    const path = tempPath();
    const j = TurnJournal.open<ReturnType<typeof ev>>(path).journal;
    j.take("k1", ev("one"));
    j.take("k2", ev("two"));
    j.finish("k1");
    j.take("k3", ev("three"));
    await written();
    const records = recordsOf(path)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { a?: string; d?: string });
    // k1 needs no copy of its event: it finished before anything was written. Take records
    // are serialized when the batch is written (after the finish record: only a key's own `a`
    // must come before its `d`).
    expect(records).toEqual([{ d: "k1" }, { a: "k2", e: ev("two") }, { a: "k3", e: ev("three") }]);
    const again = TurnJournal.open<ReturnType<typeof ev>>(path);
    expect(again.unfinished.map((u) => u.key)).toEqual(["k2", "k3"]);
    expect(again.journal.state("k1")).toBe("finished");
  });

  it("a finish record alone waits for the next reply (beforeReply) or the next event-loop turn, not for the end of this one", async () => {
    const path = tempPath();
    const j = TurnJournal.open<ReturnType<typeof ev>>(path).journal;
    const take = JSON.stringify({ a: "k1", e: ev("one") });
    j.take("k1", ev("one"));
    j.take("k2", ev("two"));
    await written();
    j.finish("k1");
    expect(j.state("k1")).toBe("finished"); // remembered at once
    await written();
    // Not written with this event-loop turn: the session's next message may be on its way.
    expect(recordsOf(path)).toBe(`${take}\n${JSON.stringify({ a: "k2", e: ev("two") })}\n`);
    // A reply about to leave writes it first, synchronously.
    j.beforeReply();
    expect(recordsOf(path).endsWith(`{"d":"k1"}\n`)).toBe(true);
    const before = recordsOf(path);
    j.beforeReply(); // nothing waits: nothing written
    expect(recordsOf(path)).toBe(before);
    // With no reply after it, it is written on its own by the end of the next event-loop turn.
    j.finish("k2");
    await written();
    await written();
    expect(recordsOf(path).endsWith(`{"d":"k2"}\n`)).toBe(true);
    // And a take of the same event-loop turn carries it along.
    j.take("k3", ev("three"));
    j.finish("k3");
    j.take("k4", ev("four"));
    await written();
    expect(
      recordsOf(path).endsWith(`{"d":"k3"}\n${JSON.stringify({ a: "k4", e: ev("four") })}\n`),
    ).toBe(true);
    j.close();
  });

  it("a finish record already written (before a reply) schedules no further event-loop turn", async () => {
    const path = tempPath();
    const j = TurnJournal.open<ReturnType<typeof ev>>(path).journal;
    j.take("k1", ev("one"));
    await written();
    const scheduled = vi.spyOn(globalThis, "setImmediate");
    try {
      j.finish("k1"); // its deferred write: one immediate
      j.beforeReply(); // written now
      expect(recordsOf(path).endsWith(`{"d":"k1"}\n`)).toBe(true);
      const first = scheduled.mock.calls.length;
      await written(); // the journal's immediate runs: nothing waits, no second one
      expect(scheduled.mock.calls.length - first).toBe(1); // only written()'s own
      // Still waiting at the first immediate: the second comes, and writes it.
      j.take("k2", ev("two"));
      await written();
      j.finish("k2");
      const second = scheduled.mock.calls.length;
      await written();
      expect(scheduled.mock.calls.length - second).toBe(2); // written()'s and the journal's
      expect(recordsOf(path).endsWith(`{"d":"k2"}\n`)).toBe(false);
      await written();
      expect(recordsOf(path).endsWith(`{"d":"k2"}\n`)).toBe(true);
    } finally {
      scheduled.mockRestore();
      j.close();
    }
  });

  describe("framesHeld: records after the frames where a kill re-answers no more", () => {
    /** A journal whose host holds frames while `frames.held` (the relay link's coalesced writes). */
    function heldJournal(compactAfterRecords?: number) {
      const path = tempPath();
      const frames = { held: false };
      const j = TurnJournal.open<ReturnType<typeof ev>>(path, {
        framesHeld: () => frames.held,
        ...(compactAfterRecords === undefined ? {} : { compactAfterRecords }),
      }).journal;
      return { path, frames, j };
    }
    const take = (key: string) => JSON.stringify({ a: key, e: ev(key) });

    it("the session's next turn taken with the answer to the one before: its reply leaves first, then both records in one write", async () => {
      const { path, frames, j } = heldJournal();
      j.take("k1", ev("k1"));
      await written();
      expect(recordsOf(path)).toBe(`${take("k1")}\n`);
      // One read: k1's answer and the session's next message; k2's reply is held to leave.
      j.finish("k1");
      j.take("k2", ev("k2"));
      frames.held = true;
      await written(); // the journal's own end-of-turn writes wait for the frames
      j.beforeReply(); // nothing must precede the frames: nothing written
      expect(recordsOf(path)).toBe(`${take("k1")}\n`);
      frames.held = false; // the frames left
      j.afterReply();
      expect(recordsOf(path)).toBe(`${take("k1")}\n{"d":"k1"}\n${take("k2")}\n`);
      j.close();
    });

    it("an open turn already on file: the finished records are written before the frames (its reply may be among them)", async () => {
      const { path, frames, j } = heldJournal();
      j.take("k1", ev("k1"));
      j.take("k2", ev("k2")); // queued behind k1 in its session, on file
      await written();
      j.finish("k1");
      frames.held = true; // k2's reply
      await written(); // not written by the journal's own immediates either…
      expect(recordsOf(path).endsWith(`{"d":"k1"}\n`)).toBe(false);
      j.beforeReply(); // …but before the frames
      expect(recordsOf(path).endsWith(`{"d":"k1"}\n`)).toBe(true);
      frames.held = false;
      j.afterReply();
      j.close();
    });

    it("two turns on file finished since the last write: written before the frames (a kill would re-answer both)", async () => {
      const { path, frames, j } = heldJournal();
      j.take("k1", ev("k1"));
      j.take("k2", ev("k2"));
      await written();
      j.finish("k1");
      j.finish("k2");
      j.take("k3", ev("k3"));
      frames.held = true;
      j.beforeReply();
      expect(recordsOf(path)).toBe(
        `${take("k1")}\n${take("k2")}\n{"d":"k1"}\n{"d":"k2"}\n${take("k3")}\n`,
      );
      frames.held = false;
      j.afterReply(); // nothing left to write
      expect(recordsOf(path).endsWith(`${take("k3")}\n`)).toBe(true);
      j.close();
    });

    /** Keys a restart would run again with the file as it is now: taken, not finished. */
    function onFileOpen(path: string): Set<string> {
      const open = new Set<string>();
      for (const line of recordsOf(path).split("\n")) {
        if (line === "") continue;
        const r = JSON.parse(line) as { a?: string; d?: string };
        if (r.a !== undefined) open.add(r.a);
        if (r.d !== undefined) open.delete(r.d);
      }
      return open;
    }

    it("a compaction in this event-loop turn puts its takes on file: the finished records then precede the frames", async () => {
      const path = tempPath();
      const frames = { held: false };
      const j = TurnJournal.open<ReturnType<typeof ev>>(path, {
        compactAfterRecords: 16,
        framesHeld: () => frames.held,
      }).journal;
      j.take("K", ev("K")); // answered: its reply left, its answer is on its way
      for (let i = 0; i < 7; i++) j.take(`x${i}`, ev("x"));
      j.finish("z"); // a turn never taken (a duplicate, say): 9 records on file
      await written();
      await written();
      // One read: K's session's next message J, the other turns' answers (the 16th record
      // compacts, writing J's take as an open turn), then K's answer; J replies at once.
      j.take("J", ev("J"));
      for (let i = 0; i < 7; i++) j.finish(`x${i}`);
      j.finish("K");
      frames.held = true;
      j.beforeReply();
      // A kill now: K (answered) must not run again beside J (its reply just left).
      expect(onFileOpen(path).has("K")).toBe(false);
      frames.held = false;
      j.afterReply();
      j.close();
    });

    it("finished turns that fill the batch are counted from its write on (two on file since it: written before the frames)", async () => {
      const path = tempPath();
      const frames = { held: false };
      const j = TurnJournal.open<ReturnType<typeof ev>>(path, {
        framesHeld: () => frames.held,
      }).journal;
      // Finish records of 69 bytes ({"d":"…"} and a newline, keys of 60 characters): 949 fill
      // the 64 KiB batch, the 950th's append writes it; the 951st is the second finish since
      // that write, and two answered turns must not both run again after a kill.
      const keys = Array.from(
        { length: Math.floor((64 * 1024) / 69) + 2 },
        (_, i) => `k${String(i).padStart(59, "0")}`,
      );
      for (const k of keys) j.take(k, ev("x"));
      await written();
      for (const k of keys) j.finish(k);
      j.take("new", ev("new"));
      frames.held = true;
      j.beforeReply();
      // A kill now re-runs no answered turn more than the promise allows (here: none).
      const open = onFileOpen(path);
      const again = keys.filter((k) => open.has(k));
      expect(again).toEqual([]);
      frames.held = false;
      j.afterReply();
      j.close();
    });

    it("a take of a turn already open (and on file) counts as on file: the finished records precede the frames", async () => {
      const { path, frames, j } = heldJournal();
      j.take("A", ev("A"));
      j.take("C", ev("C"));
      await written();
      j.finish("C");
      j.take("A", ev("A")); // taken again: its first record is on file
      frames.held = true;
      j.beforeReply();
      expect(recordsOf(path).split("\n")).toContain(`{"d":"C"}`);
      frames.held = false;
      j.afterReply();
      j.close();
    });

    it("without frames held the journal writes at the end of the event-loop turn as before", async () => {
      const { path, j } = heldJournal();
      j.take("k1", ev("k1"));
      await written();
      j.finish("k1");
      j.take("k2", ev("k2"));
      await written();
      expect(recordsOf(path)).toBe(`${take("k1")}\n{"d":"k1"}\n${take("k2")}\n`);
      j.close();
    });

    it("model: sessions, queued turns, turns ending without a reply, compactions, replies in batches and kills at any point — never more than one message per session answered twice", async () => {
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const random = seededRandom(seed);
        // Compactions every few batches (the smallest bound), also inside finish().
        const { path, frames, j } = heldJournal(seed % 2 === 0 ? 16 : undefined);
        const sessions = Array.from({ length: 3 }, () => ({
          queue: [] as string[], // taken, not finished; the head runs
          replied: false, // the head's reply left
        }));
        const sessionOf = new Map<string, number>();
        const answered = new Set<string>();
        let next = 0;
        let followed = 0; // batches whose records were written after their frames
        /** A kill now: the turns a restart runs again that were answered already, per session. */
        const check = (where: string) => {
          const open = onFileOpen(path);
          const twice = new Map<number, number>();
          for (const key of open)
            if (answered.has(key)) {
              const s = sessionOf.get(key)!;
              twice.set(s, (twice.get(s) ?? 0) + 1);
            }
          for (const [s, n] of twice)
            expect(n, `seed ${seed}, session ${s}, ${where}`).toBeLessThanOrEqual(1);
        };
        for (let tick = 0; tick < 300; tick++) {
          let sent = false;
          // What one read brings, in a random order: answers to replies that left, new messages.
          const events: (() => void)[] = [];
          sessions.forEach((s, i) => {
            if (s.replied && random() < 0.6)
              events.push(() => {
                const done = s.queue.shift()!;
                j.finish(done);
                s.replied = false;
              });
            if (random() < 0.35)
              events.push(() => {
                const key = `k${next++}`;
                sessionOf.set(key, i);
                s.queue.push(key);
                j.take(key, ev(key));
              });
          });
          events.sort(() => random() - 0.5);
          // The link's release: an immediate queued when the read began (before the journal's
          // own), or when the first frame is sent from elsewhere (after them).
          const release = () => {
            if (!frames.held) return;
            const before = recordsOf(path);
            j.beforeReply();
            check("a kill just after the frames left, before afterReply()");
            frames.held = false;
            const held = recordsOf(path);
            j.afterReply();
            if (held === before && recordsOf(path) !== held) followed++;
          };
          const releaseFirst = random() < 0.5;
          if (releaseFirst) setImmediate(release);
          for (const e of events) e();
          // Each session's head turn replies (the echo agent: in the same event-loop turn), or
          // now and then ends without one (its agent failed), and the next one runs.
          for (const s of sessions)
            while (s.queue.length > 0 && !s.replied) {
              if (random() < 0.15) {
                j.finish(s.queue.shift()!);
                continue;
              }
              s.replied = true;
              answered.add(s.queue[0]!);
              sent = true;
            }
          if (sent) frames.held = true;
          if (!releaseFirst) setImmediate(release);
          await written();
          check("a kill between event-loop turns");
        }
        // Both orders happen: the model exercises the one this is about.
        expect(followed, `seed ${seed}`).toBeGreaterThan(10);
        j.close();
      }
    });
  });

  it("durable() writes take records still waiting before it syncs", async () => {
    const path = tempPath();
    const j = TurnJournal.open<ReturnType<typeof ev>>(path).journal;
    j.take("k1", ev("one"));
    const synced = j.durable();
    // Read in the same event-loop turn, before the batch's own flush: durable() wrote it.
    expect(recordsOf(path)).toBe(`${JSON.stringify({ a: "k1", e: ev("one") })}\n`);
    await synced;
  });

  it("a torn last line and damaged lines are skipped and counted, the rest is read", async () => {
    const path = tempPath();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(
      path,
      '{"a":"k1","e":{"text":"x"}}\nnot json\n{"x":1}\n{"d":"k0"}\n{"a":"k2","e":{"te',
    );
    const { unfinished, skippedLines, journal } = TurnJournal.open(path);
    expect(unfinished.map((u) => u.key)).toEqual(["k1"]);
    expect(skippedLines).toBe(3);
    expect(journal.state("k0")).toBe("finished");
    // Appending after a torn line still yields readable records (the file was compacted on open).
    journal.take("k3", { text: "y" });
    await written();
    expect(TurnJournal.open(path).unfinished.map((u) => u.key)).toEqual(["k1", "k3"]);
  });

  it("compaction keeps the open turns and the newest finished keys, and bounds the file", async () => {
    const path = tempPath();
    const { journal } = TurnJournal.open<{ n: number }>(path, {
      maxFinished: 50,
      compactAfterRecords: 100,
    });
    journal.take("keep", { n: -1 });
    for (let i = 0; i < 5_000; i++) {
      journal.take(`k${i}`, { n: i });
      journal.finish(`k${i}`);
    }
    await written();
    const lines = readFileSync(path, "utf8").trim().split("\n").length;
    expect(lines).toBeLessThanOrEqual(50 + 1 + 100);
    expect(journal.state("k4999")).toBe("finished");
    expect(journal.state("k0")).toBeNull(); // forgotten: past the bound
    const reopened = TurnJournal.open<{ n: number }>(path, { maxFinished: 50 });
    expect(reopened.unfinished).toEqual([{ key: "keep", event: { n: -1 } }]);
    expect(reopened.journal.state("k4999")).toBe("finished");
    expect(reopened.journal.state("k4950")).toBe("finished");
  });

  it("compaction is bounded by bytes too: large messages do not grow the file past the byte bound", async () => {
    const path = tempPath();
    const bound = 64 * 1024;
    const { journal } = TurnJournal.open<{ n: number }>(path, {
      maxFinished: 10,
      compactAfterRecords: 1_000_000, // the record count alone would never compact here
      compactAfterBytes: bound,
      revive: (w) => ({ n: String((w as { t: string }).t).length }),
    });
    const text = "x".repeat(4096);
    let largest = 0;
    for (let i = 0; i < 100; i++) {
      journal.take(`k${i}`, { n: text.length }, `{"t":"${text}"}`);
      await written(); // the take record is on disk before the turn finishes
      journal.finish(`k${i}`);
      largest = Math.max(largest, statSync(path).size);
    }
    journal.take("open", { n: text.length }, `{"t":"${text}"}`);
    await written();
    // 100 take records of 4 KiB each would be ~400 KiB; the file stays within the bound plus
    // one record and what a compaction keeps (10 finished keys).
    expect(largest).toBeLessThan(bound + 2 * 4200 + 1024);
    const reopened = TurnJournal.open<{ n: number }>(path, {
      maxFinished: 10,
      revive: (w) => ({ n: String((w as { t: string }).t).length }),
    });
    expect(reopened.unfinished).toEqual([{ key: "open", event: { n: 4096 } }]);
    expect(reopened.journal.state("k99")).toBe("finished");
    expect(reopened.journal.state("k90")).toBe("finished");
    expect(reopened.journal.state("k0")).toBeNull();
  });

  it("a file past the byte bound is compacted when opened, keeping its open turns", () => {
    const path = tempPath();
    mkdirSync(dirname(path), { recursive: true });
    const big = "y".repeat(256 * 1024);
    const lines = ['{"v":2}'];
    for (let i = 0; i < 8; i++) lines.push(`{"a":"k${i}","e":{"t":"${big}"}}`, `{"d":"k${i}"}`);
    lines.push('{"a":"left","e":{"t":"small"}}');
    writeFileSync(path, `${lines.join("\n")}\n`);
    expect(statSync(path).size).toBeGreaterThan(2 * 1024 * 1024);
    const opened = TurnJournal.open<{ t: string }>(path, { compactAfterBytes: 1024 * 1024 });
    expect(opened.unfinished).toEqual([{ key: "left", event: { t: "small" } }]);
    expect(statSync(path).size).toBeLessThan(1024);
    expect(opened.journal.state("k7")).toBe("finished");
    opened.journal.close();
  });

  it("a compaction that fails loses nothing: the records waiting go to the old file, durable() covers them, the next attempt waits for another bound", async () => {
    const path = tempPath();
    const { journal } = TurnJournal.open<{ t: string }>(path, {
      compactAfterBytes: 4096,
      revive: (w) => w as { t: string },
    });
    mkdirSync(`${path}.tmp`); // the rewrite cannot create its temporary file
    const big = "b".repeat(5000);
    journal.take("a", { t: big }, `{"t":"${big}"}`);
    await written();
    journal.take("b", { t: "bee" }, '{"t":"bee"}'); // waits in the batch
    expect(() => journal.finish("a")).toThrow(JournalError); // past the bound: the rewrite fails
    await journal.durable();
    journal.take("c", { t: "small" }, '{"t":"small"}');
    await written();
    expect(() => journal.finish("c")).not.toThrow(); // no new attempt before another bound's worth
    await journal.durable();
    const reopened = TurnJournal.open<{ t: string }>(path, { revive: (w) => w as { t: string } });
    expect(reopened.unfinished).toEqual([{ key: "b", event: { t: "bee" } }]);
    expect(reopened.journal.state("a")).toBe("finished");
    expect(reopened.journal.state("c")).toBe("finished");
  });

  it("open turns larger than the byte bound are not rewritten at every open", () => {
    const path = tempPath();
    mkdirSync(dirname(path), { recursive: true });
    const big = "o".repeat(512 * 1024);
    const lines = ['{"v":2}'];
    for (let i = 0; i < 3; i++) lines.push(`{"a":"k${i}","e":{"t":"${big}"}}`);
    const text = `${lines.join("\n")}\n`;
    writeFileSync(path, text);
    const opened = TurnJournal.open<{ t: string }>(path, { compactAfterBytes: 1024 * 1024 });
    expect(opened.unfinished.map((u) => u.key)).toEqual(["k0", "k1", "k2"]);
    expect(readFileSync(path, "utf8")).toBe(text); // nothing to shrink: left as it is
  });

  it("open turns together larger than one string can be (~512 MiB) are opened and compacted", () => {
    const path = tempPath();
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, "w");
    const big = Buffer.from(`"${"x".repeat(30 * 1024 * 1024)}"`);
    writeSync(fd, '{"v":2}\n');
    for (let i = 0; i < 18; i++) {
      writeSync(fd, `{"a":"k${i}","w":{"t":`);
      writeSync(fd, big);
      writeSync(fd, "}}\n");
    }
    closeSync(fd);
    expect(statSync(path).size).toBeGreaterThan(540 * 1024 * 1024);
    const opened = TurnJournal.open<{ t: string }>(path, { revive: (w) => w as { t: string } });
    expect(opened.unfinished).toHaveLength(18);
    expect(opened.skippedLines).toBe(0);
    opened.journal.close(); // compacts: the open turns rewritten as their events
    const head = Buffer.alloc(64);
    const rfd = openSync(path, "r");
    readSync(rfd, head, 0, 64, 0);
    closeSync(rfd);
    expect(head.toString("utf8")).toMatch(/^\{"v":2\}\n\{"a":"k0","e":\{"t":"xxx/);
    expect(statSync(path).size).toBeGreaterThan(540 * 1024 * 1024);
    const again = TurnJournal.open<{ n: number }>(path, {
      revive: () => null,
    });
    expect(again.unfinished.map((u) => u.key)).toEqual(
      Array.from({ length: 18 }, (_, i) => `k${i}`),
    );
    expect(again.unfinished[17]!.event).toEqual({ t: "x".repeat(30 * 1024 * 1024) });
    again.journal.close();
  }, 180_000);

  it("remembers exactly the newest maxFinished finished keys, oldest forgotten first, across a compaction and a reopen", () => {
    const path = tempPath();
    const { journal } = TurnJournal.open<{ n: number }>(path, {
      maxFinished: 3,
      compactAfterRecords: 16,
    });
    for (let i = 0; i < 10; i++) {
      journal.take(`k${i}`, { n: i });
      journal.finish(`k${i}`);
    }
    journal.finish("k8"); // finishing a remembered key again keeps its place
    expect(["k6", "k7", "k8", "k9"].map((k) => journal.state(k))).toEqual([
      null,
      "finished",
      "finished",
      "finished",
    ]);
    journal.close(); // compacts: the format line, then the finished keys oldest first
    expect(readFileSync(path, "utf8")).toBe('{"v":2}\n{"d":"k7"}\n{"d":"k8"}\n{"d":"k9"}\n');
    const reopened = TurnJournal.open<{ n: number }>(path, { maxFinished: 3 });
    expect(reopened.skippedLines).toBe(0);
    expect(reopened.unfinished).toEqual([]);
    expect(["k6", "k7", "k8", "k9"].map((k) => reopened.journal.state(k))).toEqual([
      null,
      "finished",
      "finished",
      "finished",
    ]);
    reopened.journal.close();
  });

  it("a take with its wire text records that text as is, and `revive` rebuilds the event from it on the next open", async () => {
    const path = tempPath();
    const revive = (w: unknown) => {
      const f = w as { text?: unknown };
      return typeof f.text === "string" ? { n: f.text.length } : null;
    };
    const { journal } = TurnJournal.open<{ n: number }>(path, { revive });
    const wire = '{"text":"h\u00e9llo \\"there\\"","extra":[1,2,{"deep":null}]}';
    journal.take("k1", { n: 99 }, wire);
    journal.take("k2", { n: 2 }); // no wire: the event itself is serialized
    await written();
    const lines = recordsOf(path).trim().split("\n");
    expect(lines[0]).toBe(`{"a":"k1","w":${wire}}`);
    expect(JSON.parse(lines[1]!)).toEqual({ a: "k2", e: { n: 2 } });
    // Opened again as after kill -9 (a clean close would compact the turns into their events).
    const reopened = TurnJournal.open<{ n: number }>(path, { revive });
    // Rebuilt from the text (not the event given to take(), which the file never held).
    expect(reopened.unfinished).toEqual([
      { key: "k1", event: { n: 'h\u00e9llo "there"'.length } },
      { key: "k2", event: { n: 2 } },
    ]);
    reopened.journal.close();
    journal.close();
  });

  it("wire text in pieces is written as their joined text, and keys that need escaping are escaped, in take and finish records", async () => {
    const path = tempPath();
    const revive = (w: unknown) => w as Record<string, unknown>;
    const { journal } = TurnJournal.open<Record<string, unknown>>(path, { revive });
    const small = ['{"p":"discord","f":', '{"t":"😀 é \ud800"}', "}"];
    const huge = ['{"p":"x","f":{"t":"', "ü".repeat(40_000), '"}}'];
    // A plain key, then keys with a quote, a backslash, a control character, non-ASCII, a lone
    // surrogate, one past the 64 bytes kept inline, and one longer than the whole batch.
    const keys = [
      "k1",
      'k"2',
      "k\\3",
      "k\n4",
      "ké5",
      "k\udc006",
      `k7${"x".repeat(70)}`,
      "k8".repeat(40_000),
    ];
    keys.forEach((k, i) => journal.take(k, {}, i === 1 ? huge : small));
    // A surrogate pair split between two pieces is one character, as in the joined text.
    const split = ['{"t":"\ud83d', '\ude00"}'];
    journal.take("open", {}, split);
    await written();
    for (const k of keys) journal.finish(k);
    journal.beforeReply();
    const asWritten = (text: string) => Buffer.from(text, "utf8").toString("utf8");
    const lines = recordsOf(path).trim().split("\n");
    expect(lines).toEqual([
      ...keys.map((k, i) =>
        asWritten(`{"a":${JSON.stringify(k)},"w":${(i === 1 ? huge : small).join("")}}`),
      ),
      '{"a":"open","w":{"t":"😀"}}',
      ...keys.map((k) => asWritten(JSON.stringify({ d: k }))),
    ]);
    // Opened again as after kill -9: every key is known finished, the open turn runs again.
    const reopened = TurnJournal.open<Record<string, unknown>>(path, { revive });
    expect(reopened.unfinished.map((u) => u.key)).toEqual(["open"]);
    for (const k of keys) expect(reopened.journal.state(k)).toBe("finished");
    reopened.journal.close();
    journal.close();
  });

  it("wire text is written as given, also past the batch size and with multi-byte text", async () => {
    const path = tempPath();
    const revive = (w: unknown) => w as Record<string, unknown>;
    const { journal } = TurnJournal.open<Record<string, unknown>>(path, { revive });
    // Astral and BMP characters, a lone surrogate (written as U+FFFD like any UTF-8 text),
    // and one record longer than the 64 KiB batch between two short ones.
    const small = ['{"p":', JSON.stringify("discord"), ',"f":', '{"t":"😀 é \ud800"}', "}"];
    const huge = ['{"p":"x","f":{"t":"', "ü".repeat(40_000), '"}}'];
    journal.take("k1", {}, small.join(""));
    journal.take("k2", {}, huge.join(""));
    journal.take("k3", {}, small.join(""));
    journal.finish("k3");
    journal.take("k4", {}, '{"plain":true}');
    await written();
    const lines = recordsOf(path).trim().split("\n");
    const asWritten = (text: string) => Buffer.from(text, "utf8").toString("utf8");
    // k3 finished before the batch was written: its finish record only (it goes first: take
    // records are serialized when the batch is written).
    expect(lines).toEqual([
      '{"d":"k3"}',
      asWritten(`{"a":"k1","w":${small.join("")}}`),
      asWritten(`{"a":"k2","w":${huge.join("")}}`),
      '{"a":"k4","w":{"plain":true}}',
    ]);
    const reopened = TurnJournal.open<Record<string, unknown>>(path, { revive });
    expect(reopened.unfinished.map((u) => u.key)).toEqual(["k1", "k2", "k4"]);
    expect(reopened.unfinished[1]!.event).toEqual({ p: "x", f: { t: "ü".repeat(40_000) } });
    reopened.journal.close();
    journal.close();
  });

  it("a file larger than the longest string V8 holds (~512 MiB, left by a crash after a burst of large messages) is read", () => {
    const path = tempPath();
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, "w");
    // 18 finished turns of 30 MiB each, then one open turn whose text ("é", two bytes each)
    // spans several read chunks and splits characters between them.
    const big = Buffer.from(`"${"x".repeat(30 * 1024 * 1024)}"`);
    for (let i = 0; i < 18; i++) {
      writeSync(fd, `{"a":"k${i}","w":{"text":`);
      writeSync(fd, big);
      writeSync(fd, `}}\n{"d":"k${i}"}\n`);
    }
    writeSync(fd, `{"a":"last","w":{"text":"${"\u00e9".repeat(3_000_000)}"}}\n`);
    closeSync(fd);
    expect(statSync(path).size).toBeGreaterThan(540 * 1024 * 1024);
    const revive = (w: unknown) => {
      const f = w as { text?: unknown };
      return typeof f.text === "string" ? { n: f.text.length, e: f.text.at(-1) } : null;
    };
    const opened = TurnJournal.open<{ n: number; e: string | undefined }>(path, { revive });
    expect(opened.skippedLines).toBe(0);
    expect(opened.unfinished).toEqual([{ key: "last", event: { n: 3_000_000, e: "\u00e9" } }]);
    expect(opened.journal.state("k17")).toBe("finished");
    opened.journal.close();
  }, 120_000);

  it("a wire record that `revive` refuses (or that no `revive` reads) is skipped and counted, never fatal", () => {
    const path = tempPath();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '{"a":"k1","w":{"bad":true}}\n{"a":"k2","w":{"text":"ok"}}\n');
    const revive = (w: unknown) => {
      const f = w as { text?: unknown; bad?: unknown };
      if (f.bad === true) throw new Error("unreadable");
      return typeof f.text === "string" ? { n: 1 } : null;
    };
    const opened = TurnJournal.open<{ n: number }>(path, { revive });
    expect(opened.skippedLines).toBe(1);
    expect(opened.unfinished).toEqual([{ key: "k2", event: { n: 1 } }]);
    opened.journal.close();
    writeFileSync(path, '{"a":"k2","w":{"text":"ok"}}\n{"a":"k3","e":{"n":3}}\n');
    const without = TurnJournal.open<{ n: number }>(path);
    expect(without.skippedLines).toBe(1);
    expect(without.unfinished).toEqual([{ key: "k3", event: { n: 3 } }]);
    without.journal.close();
  });

  it("a new file starts with its format line; a file of an earlier format (no such line) is read; a later format is refused, not rewritten", () => {
    const path = tempPath();
    const fresh = TurnJournal.open<{ n: number }>(path);
    fresh.journal.close();
    expect(readFileSync(path, "utf8").split("\n")[0]).toBe('{"v":2}');

    const earlier = tempPath();
    mkdirSync(dirname(earlier), { recursive: true });
    writeFileSync(earlier, '{"a":"k1","e":{"n":1}}\n{"a":"k2","e":{"n":2}}\n{"d":"k1"}\n');
    const opened = TurnJournal.open<{ n: number }>(earlier);
    expect(opened.skippedLines).toBe(0);
    expect(opened.unfinished).toEqual([{ key: "k2", event: { n: 2 } }]);
    expect(opened.journal.state("k1")).toBe("finished");
    opened.journal.close();

    const later = tempPath();
    mkdirSync(dirname(later), { recursive: true });
    const written = '{"v":3}\n{"a":"k1","x":"a record kind this version does not know"}\n';
    writeFileSync(later, written);
    expect(() => TurnJournal.open(later)).toThrow(/written by a later hermes-gateway \(format 3/);
    expect(readFileSync(later, "utf8")).toBe(written);
  });

  it("a clean stop leaves only records an earlier gateway reads (format line, d, a+e): take records from wire text are rewritten with their events", () => {
    const path = tempPath();
    const revive = (w: unknown) => ({ n: (w as { n: number }).n });
    const { journal } = TurnJournal.open<{ n: number }>(path, { revive });
    journal.take("k1", { n: 1 }, '{"n":1}');
    journal.take("k2", { n: 2 }, '{"n":2}');
    journal.finish("k1");
    journal.close();
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines).toEqual(['{"v":2}', '{"d":"k1"}', '{"a":"k2","e":{"n":2}}']);
  });

  it("durable() resolves after an fdatasync covering every record taken before the call, also across a compaction", async () => {
    const path = tempPath();
    const { journal } = TurnJournal.open<{ n: number }>(path, { compactAfterRecords: 16 });
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      journal.take(`k${i}`, { n: i });
      waits.push(journal.durable());
      if (i % 2 === 0) journal.finish(`k${i}`);
    }
    await Promise.all(waits);
    const reopened = TurnJournal.open<{ n: number }>(path);
    expect(reopened.unfinished.map((u) => u.event.n)).toEqual(
      Array.from({ length: 20 }, (_, i) => 2 * i + 1),
    );
  });

  it("a JournalError tells a full or failing disk (a restart may find it cured) from a wrong path or mode", () => {
    const err = (code: string) =>
      new JournalError("/h/j.jsonl", Object.assign(new Error(code), { code }));
    for (const code of ["ENOSPC", "EDQUOT"]) {
      expect(err(code)).toMatchObject({ errno: code, transient: true });
      expect(err(code).message).toMatch(/the file system holding HERMES_HOME is full$/);
    }
    expect(err("EIO")).toMatchObject({ transient: true });
    for (const code of ["EACCES", "EROFS", "ENOTDIR", "EISDIR"]) {
      expect(err(code)).toMatchObject({ errno: code, transient: false });
      expect(err(code).message).toMatch(/check that HERMES_HOME is writable$/);
    }
    expect(new JournalError("/h/j.jsonl", null, "not a regular file")).toMatchObject({
      errno: null,
      transient: false,
    });
  });

  it("a HERMES_HOME that cannot hold the journal is a JournalError naming the path, not a crash", () => {
    const d = mkdtempSync(join(tmpdir(), "journal-"));
    dirs.push(d);
    writeFileSync(join(d, "gateway"), "a file where a folder should be");
    const path = journalPath(d, "gw");
    expect(() => TurnJournal.open(path)).toThrow(JournalError);
    expect(() => TurnJournal.open(path)).toThrow(
      /turn journal .*gateway.* cannot be created: .*gateway\/journal \(or a folder above it\) exists but is not a directory/,
    );
  });

  it("remembering finished keys at the bound is linear (10x the turns, bound half of them ⇒ well under 20x the time)", () => {
    const run = (n: number): void => {
      const path = tempPath();
      // No compaction in the measured loop: only the bounded set of finished keys grows.
      const { journal } = TurnJournal.open<string>(path, {
        maxFinished: n / 2,
        compactAfterRecords: 10 * n,
      });
      for (let i = 0; i < n; i++) {
        journal.take(`discord:1200000000000:${i}`, "e");
        journal.finish(`discord:1200000000000:${i}`);
      }
      expect(journal.state("discord:1200000000000:0")).toBeNull();
      expect(journal.state(`discord:1200000000000:${n - 1}`)).toBe("finished");
      journal.close();
    };
    // No reference: a linear reference that builds 100k strings grows ~20-30x here itself (GC of
    // the large batch), which would let the old O(bound) eviction (ratio ~25) pass.
    const growth = measureGrowth(run, 10_000, 100_000);
    expect(growth.ratio, JSON.stringify(growth)).toBeLessThan(growth.limit);
  });

  it("remembers exactly the newest maxFinished finished keys of every shape, across a compaction and a reopen (model)", async () => {
    // Keys of every shape the table treats differently: printable ASCII kept inline (up to 64
    // bytes), and longer ones, non-ASCII, quotes, backslashes, control characters and lone
    // surrogates kept as strings; many share a length or a prefix. Small bounds make a small
    // table, so probe sequences wrap around and forgetting a key moves others back.
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const alphabet = ["a", "b", ":", "7", '"', "\\", "\n", "\u00e9", "\ud83d\ude00", "\ud800", " "];
    const key = (): string => {
      const kind = random(10);
      if (kind === 0) return "";
      if (kind === 1) return `discord:12000000000000:${random(40)}`.padEnd(60 + random(10), "x");
      let k = "";
      const n = random(5);
      for (let i = 0; i < n; i++)
        k += kind < 6 ? "ab:7"[random(4)]! : alphabet[random(alphabet.length)]!;
      return k;
    };
    for (const max of [1, 2, 3, 9, 40]) {
      const path = tempPath();
      const { journal } = TurnJournal.open(path, { maxFinished: max, compactAfterRecords: 1e9 });
      const order: string[] = []; // the model: remembered keys, oldest first
      for (let op = 0; op < 3000; op++) {
        const k = key();
        if (random(2) === 0) {
          journal.finish(k);
          if (!order.includes(k)) {
            order.push(k);
            if (order.length > max) order.shift();
          }
        } else {
          expect(journal.state(k), `max ${max}, op ${op}, ${JSON.stringify(k)}`).toBe(
            order.includes(k) ? "finished" : null,
          );
        }
      }
      journal.close(); // compacts: the remembered keys, oldest first
      const finished = recordsOf(path)
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => (JSON.parse(l) as { d: string }).d);
      expect(finished).toEqual(order);
      const reopened = TurnJournal.open(path, { maxFinished: max }).journal;
      for (const k of order) expect(reopened.state(k)).toBe("finished");
      for (let i = 0; i < 200; i++) {
        const k = key();
        expect(reopened.state(k)).toBe(order.includes(k) ? "finished" : null);
      }
      reopened.close();
    }
  });

  it("reading is linear in the file size (10x the records ⇒ well under 20x the time)", () => {
    const path = tempPath();
    mkdirSync(dirname(path), { recursive: true });
    const line = `{"a":"k","e":{"text":"${"x".repeat(64)}"}}\n{"d":"k"}\n`;
    // Each open reads the file and rewrites it compacted: put the full text back first.
    const open = (text: string): void => {
      writeFileSync(path, text);
      TurnJournal.open(path).journal.close();
    };
    const growth = measureGrowth(open, line.repeat(2_000), line.repeat(20_000), {
      reference: (text: string) => (
        writeFileSync(path, text),
        readFileSync(path, "utf8").split("\n").length
      ),
    });
    expect(growth.ratio, JSON.stringify(growth)).toBeLessThan(growth.limit);
  });
});

describe("recordTurnEnd", () => {
  it("a compaction that fails after the record was taken is reported as such, not as a lost record", () => {
    const path = tempPath();
    const { journal } = TurnJournal.open<ReturnType<typeof ev>>(path, { compactAfterRecords: 16 });
    mkdirSync(`${path}.tmp`, { recursive: true }); // the compaction's temporary file cannot be made
    const errors: string[] = [];
    const log = { error: (_fields: object, msg: string) => void errors.push(msg) };
    for (let i = 0; i < 16; i++) {
      journal.take(`k${i}`, ev(String(i)));
      recordTurnEnd(journal, `k${i}`, { kind: "replied" }, log);
    }
    expect(errors).toEqual([
      "turn journal: compaction failed (nothing lost: the records stay in the journal, and it is tried again after more records)",
    ]);
    journal.beforeReply();
    rmSync(`${path}.tmp`, { recursive: true });
    journal.close();
    const reopened = TurnJournal.open<ReturnType<typeof ev>>(path);
    for (let i = 0; i < 16; i++) expect(reopened.journal.state(`k${i}`)).toBe("finished");
    reopened.journal.close();
  });
});
