// The turn journal on a file system that fills up and frees again (test/support/full-disk-fs.ts:
// writes to the journal fail with ENOSPC while `disk.full`, after `disk.room` more bytes for a
// write cut short). Nothing is lost or torn, and writes resume by themselves.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const disk = vi.hoisted(() => ({
  full: false,
  room: 0,
  fds: new Set<number>(),
  failures: 0,
  tmpToo: false,
}));

vi.mock("node:fs", async (importOriginal) => {
  const { fullDiskFs } = await import("../../test/support/full-disk-fs.js");
  return fullDiskFs(await importOriginal<typeof import("node:fs")>(), disk);
});

const { JournalError, JOURNAL_RETRY_MS, journalPath, MAX_UNWRITTEN_BYTES, TurnJournal } =
  await import("./journal.js");

const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  disk.full = false;
  disk.room = 0;
  disk.failures = 0;
  disk.tmpToo = false;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempPath(): string {
  const d = mkdtempSync(join(tmpdir(), "journal-full-"));
  dirs.push(d);
  return journalPath(d, "gw");
}
const ev = (text: string) => ({ text });
const written = (): Promise<void> => new Promise((r) => setImmediate(r));
type Trouble = { failure: InstanceType<typeof JournalError> | null; dropped: number };
function openWithTrouble(path: string, opts: Record<string, unknown> = {}) {
  const told: Trouble[] = [];
  const { journal } = TurnJournal.open<{ text: string }>(path, {
    onTrouble: (failure, dropped) => told.push({ failure, dropped }),
    ...opts,
  });
  return { journal, told };
}

describe("TurnJournal on a full disk", () => {
  it("keeps what it could not write, refuses new turns while full, and writes it all in order once there is room", async () => {
    const path = tempPath();
    const { journal, told } = openWithTrouble(path);
    journal.take("discord:C:1", ev("one"));
    await written();
    disk.full = true;
    journal.finish("discord:C:1");
    journal.take("discord:C:2", ev("two"));
    await written(); // the take's batch fails: kept
    expect(told).toHaveLength(1);
    expect(told[0]!.failure).toBeInstanceOf(JournalError);
    expect(told[0]!.failure!.transient).toBe(true);
    expect(told[0]!.failure!.message).toMatch(
      /\(ENOSPC\); the file system holding HERMES_HOME is full$/,
    );
    expect(journal.failure).not.toBeNull();
    // New turns are refused (each refusal retries first), a durable() fails: nothing is acked.
    expect(() => journal.take("discord:C:3", ev("three"))).toThrow(JournalError);
    await expect(journal.durable()).rejects.toThrow(JournalError);
    journal.finish("discord:C:2"); // turns still running end meanwhile
    await written();
    await written();
    expect(told).toHaveLength(1); // told once, not at each failed retry

    disk.full = false;
    journal.take("discord:C:4", ev("four")); // the retry goes through, then this take
    expect(journal.failure).toBeNull();
    expect(told[1]).toEqual({ failure: null, dropped: 0 });
    await journal.durable();
    journal.close();
    const reopened = TurnJournal.open<{ text: string }>(path);
    expect(reopened.skippedLines).toBe(0);
    expect(reopened.unfinished.map((u) => u.key)).toEqual(["discord:C:4"]);
    expect(reopened.journal.state("discord:C:1")).toBe("finished");
    expect(reopened.journal.state("discord:C:2")).toBe("finished");
    expect(reopened.journal.state("discord:C:3")).toBeNull(); // refused: never taken
    reopened.journal.close();
  });

  it("a write cut short leaves no torn record behind: the rest of it goes first once there is room", async () => {
    const path = tempPath();
    const { journal } = openWithTrouble(path);
    disk.full = true;
    disk.room = 7; // the first 7 bytes of the batch fit
    journal.take("discord:C:1", ev("x".repeat(100)));
    journal.take("discord:C:2", ev("y"));
    await written();
    expect(disk.failures).toBe(1);
    const torn = readFileSync(path, "utf8");
    expect(torn.endsWith("\n")).toBe(false); // cut inside the first record
    disk.full = false;
    journal.finish("discord:C:2");
    journal.beforeReply();
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(1, -1).map((l) => JSON.parse(l) as unknown)).toEqual([
      { a: "discord:C:1", e: { text: "x".repeat(100) } },
      { a: "discord:C:2", e: { text: "y" } },
      { d: "discord:C:2" },
    ]);
    journal.close();
    const reopened = TurnJournal.open<{ text: string }>(path);
    expect(reopened.skippedLines).toBe(0);
    expect(reopened.unfinished.map((u) => u.key)).toEqual(["discord:C:1"]);
    reopened.journal.close();
  });

  it("holds at most MAX_UNWRITTEN_BYTES while full, each kept piece counted with its overhead; past that the recovery is a compaction and nothing is missing", async () => {
    // Only timeouts and clocks: the journal's own flushes run on setImmediate.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    const path = tempPath();
    const { journal, told } = openWithTrouble(path, { compactAfterRecords: 10_000_000 });
    journal.take("discord:C:open", ev("still running"));
    await written();
    disk.full = true;
    disk.tmpToo = true; // a compaction cannot go through either
    // Small records, one write each: 80 000 × ~20 bytes is under 2 MB of text, but kept as one
    // Buffer each they cost far more (counted: ~256 bytes a piece), past the bound.
    const n = 80_000;
    for (let i = 0; i < n; i++) {
      journal.finish(`k${i}`);
      journal.beforeReply();
    }
    expect(journal.failure).not.toBeNull();
    expect(told).toHaveLength(1);
    // The timer retries (a compaction, once given up): still full, nothing is told.
    vi.advanceTimersByTime(JOURNAL_RETRY_MS * 3);
    expect(told).toHaveLength(1);

    disk.full = false;
    vi.advanceTimersByTime(JOURNAL_RETRY_MS); // no new record needed: the timer's retry
    expect(journal.failure).toBeNull();
    expect(told).toHaveLength(2);
    expect(told[1]!.failure).toBeNull();
    expect(told[1]!.dropped).toBeGreaterThan(Math.floor(MAX_UNWRITTEN_BYTES / 1024 / 4)); // some were given up…
    expect(told[1]!.dropped).toBeLessThanOrEqual(n);
    // …and the compaction wrote them from memory: a crash now loses none.
    const reopened = TurnJournal.open<{ text: string }>(path, { maxFinished: n });
    expect(reopened.skippedLines).toBe(0);
    expect(reopened.unfinished.map((u) => u.key)).toEqual(["discord:C:open"]);
    // The journal remembers its newest 10 000 finished keys (maxFinished): those are on disk.
    expect(reopened.journal.state(`k${n - 1}`)).toBe("finished");
    expect(reopened.journal.state(`k${n - 10_000}`)).toBe("finished");
    reopened.journal.close();
    journal.close();
  });

  it("a record too large to hold is given up, and the trouble ends only with a write that went through", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    const path = tempPath();
    const { journal, told } = openWithTrouble(path);
    disk.full = true;
    disk.tmpToo = true;
    journal.take("discord:C:big", ev("b".repeat(MAX_UNWRITTEN_BYTES + 1)));
    await written(); // the batch fails and is too large to keep
    expect(told).toHaveLength(1);
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(JOURNAL_RETRY_MS);
      expect(() => journal.take(`discord:C:${i}`, ev("refused"))).toThrow(JournalError);
    }
    // Nothing was kept to write, yet the disk is still full: no recovery claimed meanwhile.
    expect(told).toHaveLength(1);
    expect(journal.failure).not.toBeNull();

    disk.full = false;
    vi.advanceTimersByTime(JOURNAL_RETRY_MS);
    expect(told.map((t) => t.failure === null)).toEqual([false, true]);
    journal.close();
    const reopened = TurnJournal.open<{ text: string }>(path);
    expect(reopened.unfinished.map((u) => u.key)).toEqual(["discord:C:big"]);
    reopened.journal.close();
  });

  it("an idle journal retries by itself: it is writable again without a new record", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    const path = tempPath();
    const { journal, told } = openWithTrouble(path);
    disk.full = true;
    journal.take("discord:C:1", ev("one"));
    await written();
    expect(journal.failure).not.toBeNull();
    disk.full = false;
    expect(journal.failure).not.toBeNull(); // nothing tried yet
    vi.advanceTimersByTime(JOURNAL_RETRY_MS);
    expect(journal.failure).toBeNull();
    expect(told).toEqual([
      { failure: expect.any(JournalError) as unknown, dropped: 0 },
      { failure: null, dropped: 0 },
    ]);
    await journal.durable();
    journal.close();
    expect(vi.getTimerCount()).toBe(0); // no retry left armed
    const reopened = TurnJournal.open<{ text: string }>(path);
    expect(reopened.unfinished.map((u) => u.key)).toEqual(["discord:C:1"]);
    reopened.journal.close();
  });

  it("a compaction that goes through while full makes the held records moot: the new file holds the whole state", async () => {
    const path = tempPath();
    const { journal, told } = openWithTrouble(path, { compactAfterRecords: 16 });
    disk.full = true;
    for (let i = 0; i < 20; i++) {
      journal.take(`discord:C:${i}`, ev(String(i)));
      if (i === 0) await written(); // fails: the journal refuses takes from here
      if (journal.failure !== null) break;
    }
    // Finishing the one taken turn 16 times over (16 records) triggers a compaction, which
    // writes a new file (the mock fails only appends to the journal's own descriptors).
    for (let i = 0; i < 16; i++) journal.finish(`discord:C:${i}`);
    expect(journal.failure).toBeNull();
    expect(told.map((t) => t.failure === null)).toEqual([false, true]);
    journal.close();
    const reopened = TurnJournal.open<{ text: string }>(path);
    expect(reopened.skippedLines).toBe(0);
    expect(reopened.unfinished).toEqual([]);
    expect(reopened.journal.state("discord:C:0")).toBe("finished");
    reopened.journal.close();
  });
});
