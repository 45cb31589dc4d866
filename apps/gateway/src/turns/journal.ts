// The turn journal: a small crash-safe record of the turns this gateway has taken, so that a
// buffered item acked to the connector is never lost and an answered message is never
// answered twice — across SIGTERM, crashes and `kill -9`.
//
// One append-only NDJSON file per gateway id under `$HERMES_HOME/gateway/journal/`:
//   {"a":KEY,"e":EVENT}   a turn was taken (authorized, queued); EVENT is the host event
//   {"a":KEY,"w":WIRE}    the same, with the event as the host received it (JSON text the host
//                         gave take(), written as is; `revive` turns it back into the event)
//   {"d":KEY}             that turn finished (answered, failed for good, or a duplicate)
//   {"v":2}               the format (first line of a file this version created or compacted);
//                         a file of a later format is refused, never rewritten
// A clean stop compacts the file into `v`, `d` and `e` records only, which earlier gateways
// (format 1: `a`/`e` and `d`) read too; `w` records exist only between compactions.
// Records of one event-loop turn are written together with one `write(2)` at its end (so a
// busy gateway makes one system call per batch, not two per message); from then on they
// survive the process dying (the page cache keeps them). A `d` record alone waits a little
// longer: it is written with the next batch, or before the next reply leaves (`beforeReply()`),
// or at the end of the next event-loop turn, whichever comes first — so that a session's next
// message, often already on its way, is read before the write, and one write carries both.
// Where the host's frames leave in batches (`framesHeld`), a turn's records may instead follow
// its batch, in the same event-loop turn (`afterReply()`), when a kill between the two would
// re-answer no more than with the records first (see #recordsMayFollow): a quick
// conversation's reply then leaves without waiting for a write(2).
// `durable()` writes at once and adds an fdatasync for what must survive the machine too (a
// buffered item is acked only after it). On open, a torn last line (a crash mid-write) and any
// unreadable line are skipped and counted, never fatal. When the file has grown past its bound
// (a number of records, or of bytes for large messages) it is compacted: the open turns plus
// the newest finished keys are written to a temporary file, fsync'd, and renamed over it.
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { ensureDirSync } from "@hermes/credential-store";

export interface TurnJournalOptions<E = unknown> {
  /** Finished keys remembered for deduplication (oldest forgotten first). Default 10 000. */
  readonly maxFinished?: number;
  /** Compact when this many records were appended since the last compaction. Default 4 × maxFinished. */
  readonly compactAfterRecords?: number;
  /**
   * Compact also when this many bytes were appended since the last compaction, or as many as
   * the last compaction wrote if that was more (large messages reach it long before the record
   * count; open turns larger than the bound are not rewritten again and again). Default 64 MiB.
   */
  readonly compactAfterBytes?: number;
  /**
   * The event of a take record written with its wire text (see take()); null when it cannot be
   * read (the record is skipped and counted). Without it such records are skipped.
   */
  readonly revive?: (wire: unknown) => E | null;
  /**
   * Whether the event of a take record written as an object (see take()) may run again; a record
   * it refuses is skipped and counted. Default: any event.
   */
  readonly accept?: (event: unknown) => boolean;
  /**
   * Told when writes start failing (the error) and when they work again (null, with the number
   * of records given up from memory meanwhile, past MAX_UNWRITTEN_BYTES, and rewritten by the
   * compaction that ended the trouble: none is missing from the file). Must not throw. While
   * failing, the journal tries again at each new record and every JOURNAL_RETRY_MS.
   */
  readonly onTrouble?: (failure: JournalError | null, dropped: number) => void;
  /**
   * For a host that calls afterReply() right after the frames of each beforeReply() left (the
   * relay link: after each coalesced batch, or after each frame without coalescing): whether
   * such frames are held now, to leave at the end of this event-loop turn (or of the next one,
   * for frames first sent from an immediate). With it, the records of a turn may be written right
   * after the frames instead of before them, where that keeps the promise to a kill (see
   * #recordsMayFollow()): the reply of a session's next message then leaves without waiting for
   * a write(2). Without it records never follow frames.
   */
  readonly framesHeld?: () => boolean;
}

export interface OpenedJournal<E> {
  readonly journal: TurnJournal<E>;
  /** Turns taken before the last stop that never finished, oldest first: run them again. */
  readonly unfinished: ReadonlyArray<{ readonly key: string; readonly event: E }>;
  /** Lines that could not be read (a torn last write, or damage); skipped. */
  readonly skippedLines: number;
}

/** Failures a wait may cure (a full disk or quota, an I/O error, descriptors or memory short). */
const TRANSIENT_CODES = new Set([
  "ENOSPC",
  "EDQUOT",
  "EIO",
  "EMFILE",
  "ENFILE",
  "ENOMEM",
  "EAGAIN",
  "EBUSY",
  "EINTR",
]);

export class JournalError extends Error {
  readonly code = "GATEWAY_JOURNAL_UNAVAILABLE";
  /**
   * The system's error code (ENOSPC, EACCES…), or null when the journal itself is the problem
   * (not a regular file, a later format).
   */
  readonly errno: string | null;
  /** A wait may cure it (a full disk, say): a restart may find it gone, unlike a wrong path or mode. */
  readonly transient: boolean;
  /**
   * The cause without the path (`ENOSPC; the file system holding HERMES_HOME is full`): for
   * /healthz and /readyz, which must not show the file name (made from the gateway id).
   */
  readonly summary: string;
  constructor(path: string, cause: unknown, message?: string) {
    const errno = (cause as NodeJS.ErrnoException | undefined)?.code ?? null;
    const transient = errno !== null && TRANSIENT_CODES.has(errno);
    const what =
      errno === "ENOSPC" || errno === "EDQUOT"
        ? "the file system holding HERMES_HOME is full"
        : transient
          ? "the file system holding HERMES_HOME failed"
          : "check that HERMES_HOME is writable";
    super(message ?? `the turn journal ${path} cannot be used (${errno ?? "error"}); ${what}`);
    this.name = "JournalError";
    this.errno = errno;
    this.transient = transient;
    this.summary = `${errno ?? "error"}; ${what}`;
  }
}

/** The journal format this version writes (and the latest it reads). */
const FORMAT = 2;
const FORMAT_LINE = `{"v":${FORMAT}}`;

function laterFormat(path: string, format: number): JournalError {
  return new JournalError(
    path,
    null,
    `the turn journal ${path} was written by a later hermes-gateway (format ${format}; this one reads up to ${FORMAT}); run that version, or stop it cleanly and move the file away`,
  );
}

/**
 * What `run --check` asks of the journal at `path`, touching nothing: that it can be created (or
 * appended to), and that a later version did not write it. Throws the JournalError that
 * TurnJournal.open would (run exits 2 on it); permissions are as `access` (access(2)) sees them.
 */
export function checkJournal(
  path: string,
  access: (path: string, mode: number) => void = accessSync,
): void {
  let exists = true;
  try {
    const st = statSync(path);
    if (!st.isFile())
      throw new JournalError(path, null, `the turn journal ${path} is not a regular file`);
    access(path, fsConstants.R_OK | fsConstants.W_OK);
  } catch (e) {
    if (e instanceof JournalError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw new JournalError(path, e);
    exists = false;
  }
  // The nearest directory that exists must let this process create entries: to create the file,
  // or, for a file that exists, to rewrite it (a compaction writes a new file and renames it).
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    let st;
    try {
      st = statSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === "ENOENT" || code === "ENOTDIR") && dirname(dir) !== dir) continue;
      throw new JournalError(path, e);
    }
    if (!st.isDirectory())
      throw new JournalError(
        path,
        null,
        `the turn journal ${path} cannot be created: ${dir} is not a directory`,
      );
    try {
      access(dir, fsConstants.W_OK | fsConstants.X_OK);
    } catch (e) {
      throw new JournalError(
        path,
        e,
        `the turn journal ${path} cannot be ${exists ? "rewritten" : "created"}: ${dir} is not writable`,
      );
    }
    break;
  }
  if (!exists) return;
  // The same rule as TurnJournal.open's, on every line: a format record newer than this one's.
  const fd = openSync(path, "r");
  try {
    forEachLine(fd, (line) => {
      const r = line === null ? null : parseRecord(line);
      if (r !== null && recordKind(r) === "format" && (r.v as number) > FORMAT)
        throw laterFormat(path, r.v as number);
    });
  } finally {
    closeSync(fd);
  }
}

/** A journal line as parsed: the fields its kind is read from. */
interface JournalRecord {
  readonly a?: unknown;
  readonly e?: unknown;
  readonly w?: unknown;
  readonly d?: unknown;
  readonly v?: unknown;
}

/** The record on `line`, or null when the line is not a JSON object (damage, a torn write). */
function parseRecord(line: string): JournalRecord | null {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    return null;
  }
  return typeof rec === "object" && rec !== null ? (rec as JournalRecord) : null;
}

/**
 * What a record is, in the order TurnJournal.open reads it (checkJournal applies the same rule):
 * a turn taken (`a` with its event `e`, or with its frame's text `w`), a turn finished (`d`), the
 * file's format (`v`), or nothing this version reads.
 */
function recordKind(r: JournalRecord): "take" | "takeWire" | "finished" | "format" | "unknown" {
  if (typeof r.a === "string" && r.e !== undefined) return "take";
  if (typeof r.a === "string" && r.w !== undefined) return "takeWire";
  if (typeof r.d === "string") return "finished";
  if (typeof r.v === "number") return "format";
  return "unknown";
}

/** The record of a finished turn (`{"d":KEY}`), built without an object to serialize. */
function finishedRecord(key: string): string {
  return `{"d":${JSON.stringify(key)}}`;
}

/** A take record read as wire text, revived once the whole file is read (see #load). */
class WireRecord {
  constructor(readonly wire: unknown) {}
}

/** A take record read as an object, checked once the whole file is read (see #load). */
class ObjectRecord {
  constructor(readonly event: unknown) {}
}

/** The journal file of one gateway id under a HERMES_HOME. */
export function journalPath(home: string, gatewayId: string): string {
  return join(home, "gateway", "journal", `${encodeURIComponent(gatewayId)}.jsonl`);
}

/** Bytes appended after which the journal is compacted whatever the record count. */
const DEFAULT_COMPACT_AFTER_BYTES = 64 * 1024 * 1024;

/** Bytes of records a journal gathers before writing them (more are written at once). */
const BATCH_BYTES = 64 * 1024;

/**
 * Memory for records kept while the file takes no writes (a full disk), each kept piece counted
 * with UNWRITTEN_PIECE_OVERHEAD besides its bytes. Past this, records are given up, and the
 * recovery is a compaction (the whole state, rewritten from memory) instead of writing what was
 * kept: nothing given up is missing from the file afterwards. While failing, take() refuses new
 * turns (a buffered item stays with the connector), so what piles up is mostly the `d` records
 * of turns that end meanwhile.
 */
export const MAX_UNWRITTEN_BYTES = 16 * 1024 * 1024;

/** What one kept piece costs beyond its bytes (a Buffer object and its slot; measured ~200 B). */
const UNWRITTEN_PIECE_OVERHEAD = 256;

/** How often a failing journal tries again by itself (besides at each new record). */
export const JOURNAL_RETRY_MS = 2_000;

export type KeyState = "open" | "finished" | null;

function countNewlines(bytes: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a, from); i !== -1 && i < to; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * The event of a take record as JSON text (see take()): one string, or pieces that make it
 * when joined — written one after the other, so a host that wraps a frame's text in a few
 * characters of its own need not build (and the journal need not flatten) one string of it all.
 * The pieces are read when the record is written (at the end of the event-loop turn): hand over
 * an array that does not change afterwards.
 */
export type WireText = string | readonly string[];

export class TurnJournal<E> {
  readonly #path: string;
  readonly #maxFinished: number;
  readonly #compactAfter: number;
  readonly #compactAfterBytes: number;
  #fd: number;
  /** Taken and not finished, in the order they were taken. */
  readonly #open = new Map<string, E>();
  /** Finished keys, the newest `maxFinished` (first finished, first forgotten). */
  readonly #finished: FinishedKeys;
  #appended = 0;
  /** Bytes appended since the last compaction (as opened: the file's bytes beyond its open turns). */
  #appendedBytes = 0;
  /** #appendedBytes that trigger a compaction: the bound, or what the last compaction kept. */
  #compactAtBytes: number;
  #syncing: Promise<void> | null = null;
  /** Records appended in this run, and how many of them are known to be on disk. */
  #seq = 0;
  #synced = 0;
  /**
   * Records not written yet (written at the end of this event-loop turn, or by durable()), as
   * UTF-8 bytes in one reused buffer: a record kept as a string until the flush can outlive two
   * scavenges on a busy gateway and be promoted to the old generation (RSS growth, BENCH.md).
   */
  readonly #batch = Buffer.allocUnsafe(BATCH_BYTES);
  #batchLength = 0;
  #flushScheduled = false;
  /**
   * One bound callback for every end-of-turn flush (not a new closure per batch). Where frames
   * are held to leave in this turn and the records may follow them, afterReply() writes them.
   */
  readonly #flushLater = (): void => {
    if (this.#followFrames()) this.#flushScheduled = false;
    else this.#flush();
  };
  /** A `d` record waits in the batch (see finish()). */
  #finishWaiting = false;
  /**
   * The deferred write of a waiting `d` record: 0 none scheduled, 1 its first immediate (this
   * event-loop turn) is pending, 2 its second (the next turn, after that turn's I/O) is.
   * Immediates, not a timer: arming a timer for each answer cost more than the write it saved.
   * When the record was written meanwhile (with a batch, or before a reply), the first immediate
   * ends there: no second one, so an idle gateway's loop is not turned once more per answer.
   */
  #finishHop = 0;
  readonly #finishLater = (): void => {
    if (this.#finishHop === 1 && this.#finishWaiting) {
      if (this.#followFrames()) {
        this.#finishHop = 0; // afterReply() writes it, in this event-loop turn
      } else {
        this.#finishHop = 2;
        setImmediate(this.#finishLater);
      }
      return;
    }
    this.#finishHop = 0;
    if (this.#finishWaiting) this.#flush();
  };
  /** Keys taken since the last flush whose `a` record is not serialized yet (see take()). */
  #taken: string[] = [];
  /** The wire text given with each of #taken (undefined: serialize the event). */
  #takenWire: (WireText | undefined)[] = [];
  /**
   * The other pair of arrays, swapped in while #taken/#takenWire are serialized and emptied for
   * the next swap: the same two pairs for the journal's life, not a new pair per batch (a fresh
   * array starts with elements of another kind, and the first push made V8's optimized take()
   * bail out again and again).
   */
  #spareTaken: string[] = [];
  #spareTakenWire: (WireText | undefined)[] = [];
  readonly #revive: ((wire: unknown) => E | null) | undefined;
  readonly #accept: ((event: unknown) => boolean) | undefined;
  /**
   * Why the file takes no writes now (a full disk, say), or null. While set, take() and durable()
   * throw it unless a retry of the unwritten bytes goes through first; it clears once they are
   * written (or a compaction rewrote the whole state).
   */
  #failure: JournalError | null = null;
  /**
   * Bytes of records whose write failed, oldest first (the rest of a record cut by a short write
   * first of all): written before anything else once the file takes writes again, so that the
   * file never holds a torn record followed by more.
   */
  #unwritten: Buffer[] = [];
  #unwrittenBytes = 0;
  /** Records given up while failing, past MAX_UNWRITTEN_BYTES: recovery compacts (see #keep). */
  #dropped = 0;
  /** When a compaction may be tried again after records were given up (see #retryUnwritten). */
  #compactRetryAt = 0;
  /** While failing: the next retry on its own (an idle gateway recovers too). */
  #retryTimer: NodeJS.Timeout | null = null;
  /** The descriptor writes to a file a compaction replaced (reopening failed): never write to it. */
  #stale = false;
  readonly #onTrouble: ((failure: JournalError | null, dropped: number) => void) | undefined;
  readonly #framesHeld: (() => boolean) | undefined;
  /**
   * Turns taken since the last write (or compaction) whose take record is not on file yet and
   * that are still open; and how many turns whose take record is on file (written by an earlier
   * batch, or read at start-up) finished since then, their `d` record not on file yet. See
   * #recordsMayFollow().
   */
  readonly #unrecorded = new Set<string>();
  #finishedRecorded = 0;
  #closed = false;

  private constructor(path: string, fd: number, opts: TurnJournalOptions<E>) {
    this.#path = path;
    this.#fd = fd;
    this.#maxFinished = Math.max(1, opts.maxFinished ?? 10_000);
    this.#compactAfter = Math.max(16, opts.compactAfterRecords ?? this.#maxFinished * 4);
    this.#compactAfterBytes = Math.max(4096, opts.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES);
    this.#compactAtBytes = this.#compactAfterBytes;
    this.#finished = new FinishedKeys(this.#maxFinished);
    this.#revive = opts.revive;
    this.#accept = opts.accept;
    this.#onTrouble = opts.onTrouble;
    this.#framesHeld = opts.framesHeld;
  }

  /** Open (creating) the journal at `path` and read what a previous run left. */
  static open<E>(path: string, opts: TurnJournalOptions<E> = {}): OpenedJournal<E> {
    try {
      // Not mkdirSync({recursive}): it never returns under procfs (see ensureDirSync).
      ensureDirSync(dirname(path));
    } catch (e) {
      throw new JournalError(
        path,
        e,
        `the turn journal ${path} cannot be created: ${(e as Error).message}`,
      );
    }
    let readFd: number | null = null;
    try {
      readFd = openSync(path, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new JournalError(path, e);
    }
    let fd: number;
    try {
      fd = openSync(path, "a", 0o600);
    } catch (e) {
      if (readFd !== null) closeSync(readFd);
      throw new JournalError(path, e);
    }
    const journal = new TurnJournal<E>(path, fd, opts);
    let loaded: Loaded;
    try {
      loaded = journal.#load(readFd);
    } catch (e) {
      closeSync(fd);
      throw e instanceof JournalError ? e : new JournalError(path, e);
    } finally {
      if (readFd !== null) closeSync(readFd);
    }
    const { skipped: skippedLines, records, bytes, torn, openBytes } = loaded;
    const unfinished = [...journal.#open].map(([key, event]) => ({ key, event }));
    // Rewrite only when needed (this runs on the start-up path): a torn or damaged line must
    // not be appended to (a failure is fatal then); a file mostly made of superseded records, or
    // holding more than the byte bound beyond its open turns, is worth shrinking (a failure to
    // is not: the file is appended to as it is).
    const worthIt =
      records > 2 * (journal.#open.size + journal.#finished.size) + 1024 ||
      bytes - openBytes >= journal.#compactAfterBytes;
    let compacted = false;
    if (skippedLines > 0 || torn) {
      journal.#compact();
      compacted = true;
    } else if (worthIt) compacted = journal.#tryCompact();
    if (!compacted) {
      journal.#appended = records;
      journal.#appendedBytes = bytes - openBytes;
      journal.#compactAtBytes = Math.max(journal.#compactAfterBytes, openBytes);
      if (bytes === 0) journal.#write(`${FORMAT_LINE}\n`);
    }
    return { journal, unfinished, skippedLines };
  }

  get path(): string {
    return this.#path;
  }

  state(key: string): KeyState {
    if (this.#open.has(key)) return "open";
    if (this.#finished.has(key)) return "finished";
    return null;
  }

  /**
   * Record a taken turn. It is written with the batch at the end of this event-loop turn (from
   * then on it survives the process dying), serialized only then: the turn's reply can leave
   * first, and a turn finished by then costs no copy of its event.
   *
   * `wire`: the event as the host received it, as JSON text that `revive` turns back into the
   * same event (e.g. the frame's line from the link). It is written as is instead of
   * serializing the event: a copy of text that exists anyway, where JSON.stringify of the event
   * was the journal's largest cost per message. It must be one valid JSON value without "\n"
   * (the host's JSON.parse accepted it; a "\r" or other JSON whitespace around it is kept) —
   * given as one string or as pieces that make it when joined (see WireText).
   */
  take(key: string, event: E, wire?: WireText): void {
    if (this.#failure !== null) {
      this.#flush(); // a retry of what is unwritten: the disk may have room again
      if (this.#failure !== null) throw this.#failure;
    }
    // A key already open may be on file: only a newly opened one is known not to be.
    if (!this.#open.has(key)) this.#unrecorded.add(key);
    this.#open.set(key, event);
    this.#taken.push(key);
    this.#takenWire.push(wire);
    this.#scheduleFlush();
  }

  /**
   * Record that a turn finished; its key is remembered for deduplication at once. The record is
   * written with the next batch, by beforeReply(), or at the end of the next event-loop turn —
   * not at the end of this one: the answer that finished a turn is often followed by the
   * session's next message, and writing first would delay reading it (one write for both).
   * Until it is written, a kill makes the turn run again after the restart (README).
   */
  finish(key: string): void {
    // Whether its take record is on file: told before the append, counted after it (an append
    // that fills the batch writes it, and the count starts again from there).
    const recorded = this.#open.delete(key) && !this.#unrecorded.delete(key);
    // Take records still waiting are not serialized first: only a key's own `a` must precede its
    // `d`, and a waiting take of this key is skipped (it finished). The rest stay off this path.
    if (this.#finished.add(key)) this.#appendFinishedPlain(key);
    else this.#append(finishedRecord(key), false);
    if (recorded) this.#finishedRecorded++;
    if (this.#closed) return;
    this.#finishWaiting = true;
    if (this.#finishHop === 0) {
      this.#finishHop = 1;
      setImmediate(this.#finishLater);
    }
    if (this.#appended >= this.#compactAfter || this.#appendedBytes >= this.#compactAtBytes)
      this.#compact();
  }

  /**
   * A reply is about to leave: write the `d` records still waiting, so that a turn already
   * answered is on record before another reply goes out. With it, a kill at any moment leaves
   * at most one turn per session answered (or being answered) without its record — the one
   * whose reply is in flight — and so at most one reply per session sent twice after the
   * restart. Cheap when nothing waits; call it before every reply op (not typing or reactions),
   * or, where frames leave in batches, before each batch (the relay link's `beforeWrite`).
   *
   * With `framesHeld` (whose host calls afterReply() once the frames left) the records wait
   * for afterReply() instead where that keeps the same promise (see #recordsMayFollow()).
   */
  beforeReply(): void {
    if (this.#finishWaiting && !(this.#framesHeld !== undefined && this.#recordsMayFollow()))
      this.#flush();
  }

  /**
   * The frames a beforeReply() was called for have left: write every record still waiting (one
   * write(2) for the batch's turns, right after the frames). Only for a host given `framesHeld`.
   */
  afterReply(): void {
    if (this.#batchLength > 0 || this.#taken.length > 0 || this.#finishWaiting) this.#flush();
  }

  /** Frames are held to leave in this event-loop turn, and the records may follow them. */
  #followFrames(): boolean {
    return this.#framesHeld !== undefined && this.#framesHeld() && this.#recordsMayFollow();
  }

  /**
   * Whether the records waiting may be written right after the frames about to leave instead of
   * before them, with the same promise to a kill: every open turn's take record is among them
   * (none on file), and at most one turn whose take record is on file finished since the last
   * write. A kill between the frames and the records then runs again, after the restart, at most
   * that one turn (answered already: at most one message answered twice, as with the records
   * first); a turn whose reply is among the frames has no record on file and does not run again.
   * An open turn on file is the case this must not allow: its reply may be among the frames,
   * and it would run again beside the turn before it in its session.
   */
  #recordsMayFollow(): boolean {
    return (
      this.#failure === null &&
      this.#finishedRecorded <= 1 &&
      this.#open.size === this.#unrecorded.size
    );
  }

  /**
   * Append the take records still waiting, in take order. A turn already finished needs none:
   * its `d` record is all a restart must know.
   */
  #serializeTaken(): void {
    if (this.#taken.length === 0) return;
    // Swapped out first: an append that fills the batch flushes, which comes back here (and
    // finds the spare pair, empty: nothing is taken while this runs).
    const keys = this.#taken;
    const wires = this.#takenWire;
    this.#taken = this.#spareTaken;
    this.#takenWire = this.#spareTakenWire;
    try {
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        const event = this.#open.get(key);
        if (event === undefined) continue;
        const wire = wires[i];
        if (wire === undefined) this.#append(JSON.stringify({ a: key, e: event }));
        else this.#appendTake(key, wire);
      }
    } finally {
      keys.length = 0;
      wires.length = 0;
      this.#spareTaken = keys;
      this.#spareTakenWire = wires;
    }
  }

  /**
   * Resolves once everything appended so far is on disk (fdatasync). Concurrent callers share
   * one sync; a caller arriving during a sync gets the next one.
   */
  async durable(): Promise<void> {
    this.#flush();
    if (this.#failure !== null) throw this.#failure;
    const target = this.#seq;
    while (!this.#closed && this.#synced < target) {
      // A sync already running may have started before our record: wait, then check again.
      this.#syncing ??= this.#sync();
      await this.#syncing;
    }
  }

  #sync(): Promise<void> {
    const fd = this.#fd;
    const upTo = this.#seq;
    return new Promise<void>((resolve, reject) => {
      fdatasync(fd, (err) => {
        this.#syncing = null;
        // A compaction in between fsync'd a new file and closed this descriptor: nothing is lost.
        if (err && !this.#closed && fd === this.#fd)
          return reject(new JournalError(this.#path, err));
        this.#synced = Math.max(this.#synced, upTo);
        resolve();
      });
    });
  }

  /** Compact (so a clean stop leaves only what is still needed), flush and close. Idempotent. */
  close(): void {
    if (this.#closed) return;
    try {
      this.#flush();
      this.#compact();
    } catch {
      // Best effort: records still held while the file takes no writes are given up (each is
      // one a restart may run again); the next open compacts.
    }
    this.#closed = true;
    if (this.#retryTimer !== null) {
      // Armed while the file took no writes (or by a failing flush above): not needed any more.
      clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
    }
    try {
      fdatasyncSync(this.#fd);
    } catch {
      // Best effort: every record was already written.
    }
    closeSync(this.#fd);
  }

  /** Append `{"d":"KEY"}` for a plain key (see isPlainCode), with no string built for it. */
  #appendFinishedPlain(key: string): void {
    if (this.#closed) return;
    const bytes = key.length + 9;
    if (bytes > BATCH_BYTES) return this.#append(finishedRecord(key), false);
    if (this.#batchLength + bytes > BATCH_BYTES) this.#flush();
    this.#recorded(putFinishedPlain(this.#batch, this.#batchLength, key), false);
  }

  /** `flushSoon`: schedule the end-of-turn write (a `d` record waits longer, see finish()). */
  #append(line: string, flushSoon = true): void {
    if (this.#closed) return;
    // At most 3 bytes per UTF-16 unit, plus the newline: a record that might not fit goes after
    // the batch; one longer than the whole buffer is written at once.
    const most = line.length * 3 + 1;
    if (this.#batchLength + most > BATCH_BYTES) {
      this.#flush();
      if (most > BATCH_BYTES) this.#write(`${line}\n`);
    }
    if (most <= BATCH_BYTES) {
      const n = this.#batch.write(line, this.#batchLength, "utf8");
      this.#batchLength += n;
      this.#batch[this.#batchLength++] = 0x0a;
      this.#appendedBytes += n + 1;
    }
    this.#appended++;
    this.#seq++;
    if (flushSoon) this.#scheduleFlush();
  }

  /**
   * Append the take record `{"a":KEY,"w":WIRE}` straight into the batch: a plain key as is, the
   * wire text's pieces one after the other (no string of the whole record to build or flatten).
   */
  #appendTake(key: string, wire: WireText): void {
    if (this.#closed) return;
    // A character split between two pieces (a surrogate pair) is encoded whole, as in one string.
    if (typeof wire !== "string" && splitsAPair(wire)) wire = wire.join("");
    let units = 0;
    if (typeof wire === "string") units = wire.length;
    else for (const piece of wire) units += piece.length;
    const plain = isPlainAscii(key);
    // At most 3 bytes per UTF-16 unit of the wire text, 6 per unit of an escaped key.
    const most = (plain ? key.length : key.length * 6) + units * 3 + 14;
    if (this.#batchLength + most > BATCH_BYTES) {
      this.#flush();
      if (most > BATCH_BYTES) {
        const text = typeof wire === "string" ? wire : wire.join("");
        this.#append(`{"a":${JSON.stringify(key)},"w":${text}}`);
        return;
      }
    }
    const b = this.#batch;
    let at: number;
    if (plain) {
      at = putLatin1(b, this.#batchLength, '{"a":"');
      at = putLatin1(b, at, key);
      at = putLatin1(b, at, '","w":');
    } else {
      at = putLatin1(b, this.#batchLength, '{"a":');
      at += b.write(JSON.stringify(key), at, "utf8");
      at = putLatin1(b, at, ',"w":');
    }
    if (typeof wire === "string") at += b.write(wire, at, "utf8");
    else for (const piece of wire) at += b.write(piece, at, "utf8");
    b[at++] = 0x7d;
    b[at++] = 0x0a;
    this.#recorded(at, true);
  }

  /** A record was written into the batch up to `end`; `flushSoon` as in #append. */
  #recorded(end: number, flushSoon: boolean): void {
    this.#appendedBytes += end - this.#batchLength;
    this.#batchLength = end;
    this.#appended++;
    this.#seq++;
    if (flushSoon) this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flushLater);
    }
  }

  /** Write the batch with one write(2) (a loop only for a short write). */
  #flush(): void {
    // Before the flag is cleared: appending these must not schedule another flush.
    this.#serializeTaken();
    this.#flushScheduled = false;
    this.#finishWaiting = false;
    // From here on every record is written, or kept to be written before anything else.
    this.#unrecorded.clear();
    this.#finishedRecorded = 0;
    const length = this.#batchLength;
    this.#batchLength = 0;
    if (this.#closed) return;
    if (length > 0) this.#writeOut(this.#batch, length);
    else if (this.#failure !== null) this.#retryUnwritten();
  }

  /** Write one record too long for the batch (a loop only for a short write). */
  #write(text: string): void {
    if (this.#closed) return;
    const bytes = Buffer.from(text, "utf8");
    this.#appendedBytes += bytes.length;
    this.#writeOut(bytes, bytes.length);
  }

  /**
   * Write `bytes[0, length)` after whatever is still unwritten; on a failure keep what did not
   * go out (a copy: the batch is reused) and report the trouble once.
   */
  #writeOut(bytes: Buffer, length: number): void {
    if (this.#failure !== null) {
      const retried = this.#retryUnwritten();
      if (retried === false) {
        this.#keep(bytes, 0, length);
        return;
      }
      // A compaction wrote the whole state, these records included (they are in memory too).
      if (retried === "compacted") return;
    }
    let off = 0;
    try {
      while (off < length) off += writeSync(this.#fd, bytes, off, length - off);
    } catch (e) {
      this.#keep(bytes, off, length);
      this.#failed(e);
    }
  }

  /**
   * Keep `bytes[from, to)` for a later write. Past the bound it is given up (counted) and so is
   * everything kept: the recovery is then a compaction, which rewrites the whole state from
   * memory (and leaves no torn record a short write may have cut).
   */
  #keep(bytes: Buffer, from: number, to: number): void {
    const cost = to - from + UNWRITTEN_PIECE_OVERHEAD;
    if (this.#dropped > 0 || this.#unwrittenBytes + cost > MAX_UNWRITTEN_BYTES) {
      // Every record ends with "\n": the newlines count them (a cut record's rest included).
      this.#dropped += countNewlines(bytes, from, to);
      for (const piece of this.#unwritten) this.#dropped += countNewlines(piece, 0, piece.length);
      this.#unwritten = [];
      this.#unwrittenBytes = 0;
      return;
    }
    this.#unwritten.push(Buffer.from(bytes.subarray(from, to)));
    this.#unwrittenBytes += cost;
  }

  /**
   * Write what is unwritten, in order, or compact when records were given up: true once all of
   * it is written, "compacted" once a compaction rewrote the whole state (the trouble is over
   * either way), false while the file still takes no writes.
   */
  #retryUnwritten(): boolean | "compacted" {
    if (this.#dropped > 0) {
      // A whole rewrite: tried about once per JOURNAL_RETRY_MS (at half of it, so the retry
      // timer always finds it due), not at every new record. A monotonic clock: a wall clock
      // set back would hold the recovery off for as long.
      const now = performance.now();
      if (now < this.#compactRetryAt) return false;
      try {
        this.#compact(); // reopens the file and reports the recovery itself
        return "compacted";
      } catch (e) {
        this.#compactRetryAt = now + JOURNAL_RETRY_MS / 2;
        if (!this.#stale) this.#failed(e);
        return false;
      }
    }
    if (this.#stale) {
      try {
        this.#reopen();
      } catch (e) {
        this.#failed(e);
        return false;
      }
    }
    const chunks = this.#unwritten;
    let done = 0;
    try {
      for (; done < chunks.length; done++) {
        const chunk = chunks[done]!;
        let off = 0;
        try {
          while (off < chunk.length) off += writeSync(this.#fd, chunk, off);
        } finally {
          if (off > 0 && off < chunk.length) {
            chunks[done] = chunk.subarray(off);
            this.#unwrittenBytes -= off;
          }
        }
        this.#unwrittenBytes -= chunk.length + UNWRITTEN_PIECE_OVERHEAD;
      }
    } catch (e) {
      chunks.splice(0, done);
      this.#failed(e);
      return false;
    }
    this.#unwritten = [];
    this.#unwrittenBytes = 0;
    this.#recovered();
    return true;
  }

  /** Append to the journal's file as it is now (after a compaction replaced it). */
  #reopen(): void {
    const fd = openSync(this.#path, "a", 0o600);
    closeSync(this.#fd);
    this.#fd = fd;
    this.#stale = false;
  }

  #failed(e: unknown): void {
    const first = this.#failure === null;
    this.#failure = new JournalError(this.#path, e);
    if (first) this.#tell(this.#failure, 0);
    this.#retryLater();
  }

  /** Try again in JOURNAL_RETRY_MS (unref'd: it never keeps the process alive). */
  #retryLater(): void {
    if (this.#retryTimer !== null || this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#closed || this.#failure === null) return;
      this.#flush();
      if (this.#failure !== null) this.#retryLater();
    }, JOURNAL_RETRY_MS);
    this.#retryTimer.unref();
  }

  /** Everything is on file again (written, or rewritten by a compaction). */
  #recovered(): void {
    if (this.#failure === null) return;
    if (this.#retryTimer !== null) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
    }
    this.#failure = null;
    const dropped = this.#dropped;
    this.#dropped = 0;
    this.#tell(null, dropped);
  }

  #tell(failure: JournalError | null, dropped: number): void {
    try {
      this.#onTrouble?.(failure, dropped);
    } catch {
      // An observer never breaks the journal.
    }
  }

  /** Whether the file takes writes now (see onTrouble). */
  get failure(): JournalError | null {
    return this.#failure;
  }

  /**
   * Read records from `fd` (null: no file yet); counts the lines read and skipped. Linear in the
   * file size, read line by line: the file may be larger than the longest string V8 can hold
   * (~512 MiB), which a crash after a burst of large messages can leave behind.
   */
  #load(fd: number | null): Loaded {
    let skipped = 0;
    let records = 0;
    // Length of each take record still open (UTF-16 units: an estimate of its bytes).
    const takeLength = new Map<string, number>();
    const { bytes, torn } = forEachLine(fd, (line) => {
      if (line === null) {
        skipped++; // a line too long to decode: damage
        return;
      }
      if (line.trim() === "") return;
      const r = parseRecord(line);
      if (r === null) {
        skipped++;
        return;
      }
      records++;
      const kind = recordKind(r);
      if (kind === "take" || kind === "takeWire") {
        // Checked (an object) or revived (frame text) below, only if the turn is still open at
        // the end (most finish further on).
        const key = r.a as string;
        if (!this.#finished.has(key)) {
          this.#open.set(key, (kind === "take" ? new ObjectRecord(r.e) : new WireRecord(r.w)) as E);
          takeLength.set(key, line.length + 1);
        }
      } else if (kind === "finished") {
        const key = r.d as string;
        this.#open.delete(key);
        takeLength.delete(key);
        this.#finished.add(key);
      } else if (kind === "format") {
        records--;
        if ((r.v as number) > FORMAT) throw laterFormat(this.#path, r.v as number);
      } else {
        records--;
        skipped++;
      }
    });
    for (const [key, value] of this.#open) {
      if (value instanceof ObjectRecord) {
        if (this.#usable(value.event)) this.#open.set(key, value.event as E);
        else {
          this.#open.delete(key);
          records--;
          skipped++;
        }
        continue;
      }
      if (!(value instanceof WireRecord)) continue;
      const event = this.#readWire(value.wire);
      if (event !== null) this.#open.set(key, event);
      else {
        this.#open.delete(key);
        records--;
        skipped++;
      }
    }
    let openBytes = 0;
    for (const key of this.#open.keys()) openBytes += takeLength.get(key) ?? 0;
    return { skipped, records, bytes, torn, openBytes };
  }

  /**
   * Whether a take record's object may run again: accepted by the host's check, and writable by
   * a compaction (valid JSON of another shape, an edit or damage, or nesting too deep to
   * serialize again, would otherwise fail the start-up at every restart).
   */
  #usable(event: unknown): boolean {
    if (this.#accept !== undefined && !this.#accept(event)) return false;
    try {
      JSON.stringify(event);
      return true;
    } catch {
      return false;
    }
  }

  #readWire(wire: unknown): E | null {
    if (this.#revive === undefined) return null;
    try {
      return this.#revive(wire);
    } catch {
      return null;
    }
  }

  /** #compact, except that a failure leaves things as they were (see #compact) and returns false. */
  #tryCompact(): boolean {
    try {
      this.#compact();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Rewrite the file as the open turns plus the remembered finished keys: written to a
   * temporary file in pieces (the open turns may together be larger than one string can be),
   * fsync'd, renamed over the journal. If that fails, nothing is lost — the journal and the
   * records waiting for it are as they were — and the next attempt waits for another bound's
   * worth of records; the JournalError is thrown.
   */
  #compact(): void {
    if (this.#closed) return;
    const tmp = `${this.#path}.tmp`;
    let size = 0;
    try {
      const fd = openSync(tmp, "w", 0o600);
      try {
        const out = new ChunkWriter(fd);
        // Only records earlier gateways read too (after the format line, which they skip): a
        // clean stop leaves a file a downgrade can use.
        out.line(FORMAT_LINE);
        this.#finished.writeRecords(out);
        for (const [key, event] of this.#open) out.line(JSON.stringify({ a: key, e: event }));
        size = out.end();
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.#path);
    } catch (e) {
      this.#appended = 0;
      this.#appendedBytes = 0;
      try {
        unlinkSync(tmp);
      } catch {
        // Not there, or not ours to remove.
      }
      throw new JournalError(this.#path, e);
    }
    // The new file holds the whole state, records still waiting in the batch included.
    this.#batchLength = 0;
    this.#finishWaiting = false;
    this.#taken.length = 0;
    this.#takenWire.length = 0;
    this.#unrecorded.clear();
    this.#finishedRecorded = 0;
    this.#appended = 0;
    this.#appendedBytes = 0;
    this.#compactAtBytes = Math.max(this.#compactAfterBytes, size);
    this.#synced = this.#seq; // the new file was fsync'd with everything in it
    syncDir(dirname(this.#path));
    // What was unwritten is in the new file too (it holds the whole state).
    this.#unwritten = [];
    this.#unwrittenBytes = 0;
    try {
      this.#reopen();
    } catch (e) {
      // The old descriptor writes to the replaced file: never write to it again; records wait
      // (take() and durable() refuse meanwhile) until the file can be opened again.
      this.#stale = true;
      this.#failed(e);
      throw this.#failure!;
    }
    this.#recovered();
  }
}

interface Loaded {
  skipped: number;
  records: number;
  bytes: number;
  torn: boolean;
  /** Bytes of the take records of the turns still open (estimated from their length). */
  openBytes: number;
}

/** Bytes a compaction gathers before each write(2). */
const CHUNK_BYTES = 256 * 1024;

/**
 * Writes lines to `fd` through one buffer, a write(2) each time it fills: no single string of
 * everything, and no string at all for a finished key kept inline (see FinishedKeys).
 */
class ChunkWriter {
  readonly #fd: number;
  readonly #buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  #length = 0;
  #written = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  line(text: string): void {
    const most = text.length * 3 + 1;
    if (this.#length + most > CHUNK_BYTES) this.#flush();
    if (most > CHUNK_BYTES) {
      this.#writeAll(Buffer.from(`${text}\n`, "utf8"));
      return;
    }
    this.#length += this.#buffer.write(text, this.#length, "utf8");
    this.#buffer[this.#length++] = 0x0a;
  }

  /** The record `{"d":"KEY"}` of a key whose `length` bytes at `from` need no JSON escaping. */
  finished(bytes: Uint8Array, from: number, length: number): void {
    if (this.#length + length + 9 > CHUNK_BYTES) this.#flush();
    this.#length = putFinishedPlain(
      this.#buffer,
      this.#length,
      bytes.subarray(from, from + length),
    );
  }

  /** Writes what is left; returns the bytes written in all. */
  end(): number {
    this.#flush();
    return this.#written;
  }

  #flush(): void {
    if (this.#length === 0) return;
    const length = this.#length;
    this.#length = 0;
    this.#writeAll(this.#buffer.subarray(0, length));
  }

  #writeAll(bytes: Buffer): void {
    for (let off = 0; off < bytes.length;) off += writeSync(this.#fd, bytes, off);
    this.#written += bytes.length;
  }
}

/** Bytes read from the journal file at a time when it is opened. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Calls `onLine` with each line of the file at `fd` (without its "\n"; the last one also when
 * it has none), decoded as UTF-8 (bad bytes as U+FFFD), or null for a line too long to become
 * a string. `bytes`: the file's size; `torn`: it does not end with "\n". A line's pieces are
 * joined once, when its end arrives: linear in the file.
 */
function forEachLine(
  fd: number | null,
  onLine: (line: string | null) => void,
): { bytes: number; torn: boolean } {
  if (fd === null) return { bytes: 0, torn: false };
  const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  let pieces: Buffer[] = [];
  let bytes = 0;
  let last = 0x0a;
  const emit = (line: Buffer): void => {
    let text: string | null;
    try {
      text = line.toString("utf8");
    } catch {
      text = null; // ERR_STRING_TOO_LONG
    }
    onLine(text);
  };
  for (;;) {
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    bytes += n;
    const view = chunk.subarray(0, n);
    last = view[n - 1]!;
    let start = 0;
    for (let nl = view.indexOf(0x0a); nl !== -1; nl = view.indexOf(0x0a, start)) {
      const tail = view.subarray(start, nl);
      emit(pieces.length === 0 ? tail : Buffer.concat([...pieces, tail]));
      pieces = [];
      start = nl + 1;
    }
    // Copied: `chunk` is reused by the next read.
    if (start < n) pieces.push(Buffer.from(view.subarray(start)));
  }
  if (pieces.length > 0) emit(Buffer.concat(pieces));
  return { bytes, torn: bytes > 0 && last !== 0x0a };
}

/** Printable ASCII other than '"' and '\': written in a JSON string as is, one byte each. */
function isPlainCode(c: number): boolean {
  return c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c;
}

function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isPlainCode(text.charCodeAt(i))) return false;
  return true;
}

/** Whether a piece but the last ends with a high surrogate (its pair may start the next one). */
function splitsAPair(pieces: readonly string[]): boolean {
  for (let i = 0; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    const last = piece.charCodeAt(piece.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) return true;
  }
  return false;
}

/** Writes `text` (code units below 256) into `b` at `at`, one byte each; returns the end. */
function putLatin1(b: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) b[at++] = text.charCodeAt(i);
  return at;
}

/**
 * Put the line `{"d":"KEY"}` at `at` for a key that needs no JSON escaping (see isPlainCode),
 * given as its string or as its bytes (a key kept inline by FinishedKeys); returns the end. The
 * caller makes room: the key's length plus 9 bytes.
 */
function putFinishedPlain(b: Buffer, at: number, key: string | Uint8Array): number {
  at = putLatin1(b, at, '{"d":"');
  if (typeof key === "string") at = putLatin1(b, at, key);
  else {
    b.set(key, at);
    at += key.length;
  }
  return putLatin1(b, at, '"}\n');
}

/** Longest plain key kept inline (see FinishedKeys); longer or other keys keep their string. */
const INLINE_KEY_BYTES = 64;

/**
 * The newest `max` finished keys, forgotten in the order they were added (first finished, first
 * forgotten): an open-addressing hash table (linear probing, at most half full) over typed arrays.
 * A key of printable ASCII up to 64 bytes — what platform, chat and message ids make — is copied
 * into a fixed slot of one byte array; any other key keeps its string. So remembering 10 000 keys
 * leaves no string and no Set entry per message for the garbage collector to copy twice and
 * promote: with a Set of the key strings (and a ring of them to forget the oldest), the finished
 * keys were the largest part of the journal's cost inside a busy gateway (BENCH.md, 2026-12-02
 * 16:30). Exact: a lookup compares the key itself, never the hash alone; the hash is seeded per
 * process, so ids chosen to collide cannot be prepared in advance.
 */
class FinishedKeys {
  readonly #max: number;
  /** INLINE_KEY_BYTES bytes per slot: the key's characters when it is inline. */
  readonly #bytes: Uint8Array;
  /** Per slot: the key's length, or -1 when the slot is empty. */
  readonly #lengths: Int32Array;
  /** Per slot: the key's hash. */
  readonly #hashes: Int32Array;
  /** Per slot: the key when it is not inline. */
  readonly #strings: (string | undefined)[];
  /** Per bucket: its slot + 1, or 0 when empty. */
  readonly #table: Int32Array;
  readonly #mask: number;
  readonly #seed: number;
  /** The slot the next key takes (holding the oldest key once all are used). */
  #next = 0;
  #size = 0;
  /** Set by #hash: whether the key it hashed is plain (see isPlainCode). */
  #plain = false;

  constructor(max: number) {
    this.#max = max;
    this.#bytes = new Uint8Array(max * INLINE_KEY_BYTES);
    this.#lengths = new Int32Array(max).fill(-1);
    this.#hashes = new Int32Array(max);
    this.#strings = new Array<string | undefined>(max).fill(undefined);
    let buckets = 16;
    while (buckets < max * 2) buckets *= 2;
    this.#table = new Int32Array(buckets);
    this.#mask = buckets - 1;
    this.#seed = (Math.random() * 0x1_0000_0000) | 0;
  }

  get size(): number {
    return this.#size;
  }

  has(key: string): boolean {
    return this.#find(key, this.#hash(key)) !== -1;
  }

  /**
   * Remember `key` (a key already remembered keeps its place). Returns whether the key is plain
   * (see isPlainCode): what a caller writes in a JSON string as is.
   */
  add(key: string): boolean {
    const hash = this.#hash(key);
    const plain = this.#plain;
    const inline = plain && key.length <= INLINE_KEY_BYTES;
    if (this.#find(key, hash) !== -1) return plain;
    const slot = this.#next;
    if (this.#lengths[slot] !== -1) this.#forget(slot);
    const length = key.length;
    this.#lengths[slot] = length;
    this.#hashes[slot] = hash;
    if (inline) {
      const bytes = this.#bytes;
      const base = slot * INLINE_KEY_BYTES;
      for (let i = 0; i < length; i++) bytes[base + i] = key.charCodeAt(i);
    } else this.#strings[slot] = key;
    const table = this.#table;
    const mask = this.#mask;
    let b = hash & mask;
    while (table[b] !== 0) b = (b + 1) & mask;
    table[b] = slot + 1;
    this.#size++;
    this.#next = slot + 1 === this.#max ? 0 : slot + 1;
    return plain;
  }

  /** The records `{"d":KEY}` of the remembered keys, oldest first (a compaction's). */
  writeRecords(out: ChunkWriter): void {
    const bytes = this.#bytes;
    for (let i = 0; i < this.#max; i++) {
      const slot = (this.#next + i) % this.#max;
      const length = this.#lengths[slot]!;
      if (length === -1) continue;
      const kept = this.#strings[slot];
      if (kept !== undefined) out.line(finishedRecord(kept));
      else out.finished(bytes, slot * INLINE_KEY_BYTES, length);
    }
  }

  /** A seeded 32-bit hash of the key's UTF-16 code units; sets #plain for it. */
  #hash(key: string): number {
    const length = key.length;
    let h = this.#seed ^ length;
    let plain = true;
    for (let i = 0; i < length; i++) {
      const c = key.charCodeAt(i);
      if (!isPlainCode(c)) plain = false;
      h = Math.imul(h ^ c, 0x01000193);
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    this.#plain = plain;
    return h ^ (h >>> 16);
  }

  /** The bucket holding `key` (whose hash is `hash`), or -1. */
  #find(key: string, hash: number): number {
    const table = this.#table;
    const mask = this.#mask;
    for (let b = hash & mask; ; b = (b + 1) & mask) {
      const entry = table[b]!;
      if (entry === 0) return -1;
      const slot = entry - 1;
      if (this.#hashes[slot] === hash && this.#holds(slot, key)) return b;
    }
  }

  #holds(slot: number, key: string): boolean {
    const length = this.#lengths[slot]!;
    if (length !== key.length) return false;
    const kept = this.#strings[slot];
    if (kept !== undefined) return kept === key;
    const bytes = this.#bytes;
    const base = slot * INLINE_KEY_BYTES;
    for (let i = 0; i < length; i++) if (bytes[base + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /** Forget the key in `slot`: empty its bucket, and close the gap in its probe sequence. */
  #forget(slot: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let hole = this.#hashes[slot]! & mask;
    while (table[hole] !== slot + 1) hole = (hole + 1) & mask;
    table[hole] = 0;
    // Backward-shift deletion: an entry further along may move into the hole if the hole lies
    // on its way from its home bucket (so every key stays reachable without tombstones).
    for (let b = (hole + 1) & mask; table[b] !== 0; b = (b + 1) & mask) {
      const home = this.#hashes[table[b]! - 1]! & mask;
      if (((b - home) & mask) >= ((b - hole) & mask)) {
        table[hole] = table[b]!;
        table[b] = 0;
        hole = b;
      }
    }
    this.#lengths[slot] = -1;
    this.#strings[slot] = undefined;
    this.#size--;
  }
}

function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some filesystems cannot fsync a directory; the rename itself is still atomic.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * After a turn: record it finished unless it was cut off (`cancelled`, `draining`: it runs
 * again after the restart). A failed write is logged, not thrown — the reply went out, and the
 * worst case is that the turn is answered again after a restart.
 */
export function recordTurnEnd(
  journal: TurnJournal<unknown> | null,
  key: string,
  outcome: { readonly kind: string },
  log: { error(fields: object, msg: string): void },
  name = "turn journal",
): void {
  if (journal === null || outcome.kind === "cancelled" || outcome.kind === "draining") return;
  try {
    journal.finish(key);
  } catch (e) {
    // finish() records first and may then compact: a compaction that fails loses nothing (the
    // file and the records waiting for it stay as they were; it is tried again later).
    if (journal.state(key) === "finished")
      log.error(
        { err: (e as Error).message },
        `${name}: compaction failed (nothing lost: the records stay in the journal, and it is tried again after more records)`,
      );
    else
      log.error(
        { err: (e as Error).message },
        `${name}: could not record a finished turn (it may be answered again after a restart)`,
      );
  }
}
