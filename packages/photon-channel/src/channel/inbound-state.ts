// What the channel remembers across restarts, per project: the ids of the inbound events it has
// handed over (bounded by the caller's map: newest ids, none past its age) and the resume cursor,
// the highest event sequence before which nothing is left unhandled.
//
// Two files, so that remembering one more event costs one append rather than a rewrite:
// - `inbound-state.json`, a snapshot, written atomically (temporary file, fsync, rename, fsync of
//   the directory) when the store opens and every `compactAfter` appends;
// - `inbound-state.log`, one JSON line per save with what changed since the last one
//   (`{"h":[[id, at], …], "c": cursor}`), appended, and fdatasync'd when `sync` is on. Its first
//   line names the snapshot generation it continues (`{"g": n}`): a log left over from before a
//   compaction (a crash between the rename and the truncation) is ignored, never replayed over
//   the newer snapshot.
// A crash or `kill -9` leaves the snapshot whole and the log a prefix of what was written (a torn
// last line is dropped). A file that cannot be read is reported (`problem`) and replaced, never
// fatal: the channel then starts without memory.
import { mkdir, open, readFile, rename, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { RecentMap } from "./recent.js";

export const INBOUND_STATE_FILE = "inbound-state.json";
export const INBOUND_STATE_LOG = "inbound-state.log";
/** The cursor of the project's shared line (the file's `cursor`); dedicated lines go under `lines`. */
export const SHARED_LINE = "shared";
const FORMAT_VERSION = 1;
const DEFAULT_COMPACT_AFTER = 1000;

export interface InboundStateOptions {
  /** Directory of this project's state (created 0700 when missing). */
  dir: string;
  /** The handled ids, bounded by the caller (size and age); saved entries are loaded into it. */
  handled: RecentMap<true>;
  now: () => number;
  /**
   * fdatasync every save (default true): a saved id survives a power cut. Off, a save survives the
   * process being killed (the page cache keeps it) but a power cut can lose the latest saves.
   */
  sync?: boolean;
  /** Appends to the log before it is folded into a new snapshot. Default 1 000. */
  compactAfter?: number;
  /**
   * The line each chat last wrote in on (chat id → line id), bounded by the caller; saved entries
   * are loaded into it. With several dedicated lines the SDK must be told a chat's line to reply,
   * and a restart must not forget it (a turn left unfinished by a crash is answered after it).
   */
  chatLines?: RecentMap<string>;
}

interface StateFile {
  version: number;
  /** The log generation that continues this snapshot (absent in files written before the log). */
  generation?: number;
  /** The shared line's cursor. */
  cursor: number | null;
  /** Each dedicated line's cursor, by instance id (each line numbers its events on its own). */
  lines?: Record<string, number | null>;
  handled: Array<[string, number]>;
  /** `[chat id, line id, when]`, oldest first (absent when no chat was remembered). */
  chats?: Array<[string, string, number]>;
}

type Cursors = Map<string, number | null>;

/** Why a state file was not used; the channel logs it and starts fresh. */
export type InboundStateProblem = "unreadable" | "not_json" | "wrong_shape";

export class InboundStateStore {
  readonly path: string;
  readonly logPath: string;
  readonly #dir: string;
  readonly #handled: RecentMap<true>;
  readonly #chatLines: RecentMap<string> | null;
  readonly #now: () => number;
  readonly #sync: boolean;
  readonly #compactAfter: number;
  readonly #cursors: Cursors;
  #generation = 0;
  #log: FileHandle | null = null;
  #appends = 0;
  /** Ids handled since the last save, with when. */
  #newlyHandled: Array<[string, number]> = [];
  /** Chats whose line was remembered since the last save. */
  #newChatLines: Array<[string, string, number]> = [];
  #changedCursors = new Set<string>();
  /** A save in progress; saves run one at a time. */
  #saving: Promise<void> | null = null;
  #saves = 0;
  #savedCursors: Cursors = new Map();
  #closed = false;

  private constructor(options: InboundStateOptions, cursors: Cursors) {
    this.#dir = options.dir;
    this.path = join(options.dir, INBOUND_STATE_FILE);
    this.logPath = join(options.dir, INBOUND_STATE_LOG);
    this.#cursors = cursors;
    this.#handled = options.handled;
    this.#chatLines = options.chatLines ?? null;
    this.#now = options.now;
    this.#sync = options.sync ?? true;
    this.#compactAfter = Math.max(1, options.compactAfter ?? DEFAULT_COMPACT_AFTER);
  }

  /**
   * Reads the state in `dir` (missing = empty): the snapshot, then the log that continues it. A
   * damaged snapshot is reported and ignored; the log's torn tail is dropped. Then writes a fresh
   * snapshot and starts an empty log.
   */
  static async open(
    options: InboundStateOptions,
  ): Promise<{ store: InboundStateStore; problem: InboundStateProblem | null }> {
    const handled = options.handled;
    let problem: InboundStateProblem | null = null;
    const text = await readOptional(join(options.dir, INBOUND_STATE_FILE));
    let cursors: Cursors = new Map();
    let generation = 0;
    const entries: Array<[string, number]> = [];
    const chats: Array<[string, string, number]> = [];
    if (text === undefined) problem = "unreadable";
    else if (text !== null) {
      const parsed = parseState(text);
      if (typeof parsed === "string") problem = parsed;
      else {
        cursors = cursorsOf(parsed);
        generation = parsed.generation ?? 0;
        entries.push(...parsed.handled);
        chats.push(...(parsed.chats ?? []));
      }
    }
    if (problem === null) {
      const log = await readOptional(join(options.dir, INBOUND_STATE_LOG));
      if (log) replayLog(log, generation, cursors, entries, chats);
    }
    // Oldest first, so the bound drops the oldest; entries past the age bound are skipped.
    for (const [id, at] of entries
      .filter(([, at]) => at <= options.now())
      .sort((a, b) => a[1] - b[1]))
      handled.setAt(id, true, at);
    for (const [chat, line, at] of chats
      .filter(([, , at]) => at <= options.now())
      .sort((a, b) => a[2] - b[2]))
      options.chatLines?.setAt(chat, line, at);
    const store = new InboundStateStore(options, cursors);
    store.#generation = generation;
    await store.#compact();
    return { store, problem };
  }

  /** The shared line's cursor. */
  get cursor(): number | null {
    return this.cursorOf(SHARED_LINE);
  }

  cursorOf(line: string): number | null {
    return this.#cursors.get(line) ?? null;
  }

  /** The shared line's cursor on disk as last written (or read): what a restart right now resumes from. */
  get savedCursor(): number | null {
    return this.savedCursorOf(SHARED_LINE);
  }

  savedCursorOf(line: string): number | null {
    return this.#savedCursors.get(line) ?? null;
  }

  /** How many times the state was written (appends and snapshots; tests and health). */
  get saves(): number {
    return this.#saves;
  }

  get handledCount(): number {
    return this.#handled.size;
  }

  markHandled(id: string): void {
    const at = this.#now();
    this.#handled.setAt(id, true, at);
    this.#newlyHandled.push([id, at]);
  }

  /** Remembers the line `chatId` last wrote in on (saved with the next save). */
  rememberChatLine(chatId: string, lineId: string): void {
    if (this.#chatLines === null || this.#chatLines.get(chatId) === lineId) return;
    const at = this.#now();
    this.#chatLines.setAt(chatId, lineId, at);
    this.#newChatLines.push([chatId, lineId, at]);
  }

  /** Moves a line's cursor forward (never back). */
  advanceCursor(sequence: number, line = SHARED_LINE): void {
    const cursor = this.cursorOf(line);
    if (cursor !== null && sequence <= cursor) return;
    this.#cursors.set(line, sequence);
    this.#changedCursors.add(line);
  }

  /** Forgets a line's cursor (the server refused it: a gap). */
  resetCursor(line = SHARED_LINE): void {
    if (this.cursorOf(line) === null) return;
    this.#cursors.set(line, null);
    this.#changedCursors.add(line);
  }

  /**
   * Writes what changed since the last save. Saves run one at a time; the promise resolves once
   * a write covering the changes made before the call has finished.
   */
  async save(): Promise<void> {
    while (this.#saving) await this.#saving;
    if (
      this.#closed ||
      (this.#newlyHandled.length === 0 &&
        this.#changedCursors.size === 0 &&
        this.#newChatLines.length === 0)
    )
      return;
    this.#saving = this.#append().finally(() => {
      this.#saving = null;
    });
    await this.#saving;
  }

  /** Saves what is left and closes the log. Later saves do nothing. */
  async close(): Promise<void> {
    await this.save();
    this.#closed = true;
    const log = this.#log;
    this.#log = null;
    await log?.close();
  }

  async #append(): Promise<void> {
    const handled = this.#newlyHandled;
    const chats = this.#newChatLines;
    const cursors = new Map(this.#cursors);
    const changed = this.#changedCursors;
    this.#newChatLines = [];
    this.#newlyHandled = [];
    this.#changedCursors = new Set();
    if (this.#appends >= this.#compactAfter) {
      await this.#compact();
      return;
    }
    const line: {
      h?: Array<[string, number]>;
      c?: number | null;
      l?: Record<string, number | null>;
      p?: Array<[string, string, number]>;
    } = {};
    if (handled.length > 0) line.h = handled;
    if (chats.length > 0) line.p = chats;
    for (const id of changed) {
      const cursor = cursors.get(id) ?? null;
      if (id === SHARED_LINE) line.c = cursor;
      else (line.l ??= {})[id] = cursor;
    }
    const log = this.#log;
    if (!log) return;
    await log.write(`${JSON.stringify(line)}\n`);
    if (this.#sync) await log.datasync();
    this.#appends += 1;
    this.#saves += 1;
    this.#savedCursors = cursors;
  }

  /** A new snapshot of everything (next generation), then an empty log that continues it. */
  async #compact(): Promise<void> {
    const generation = this.#generation + 1;
    const cursors = new Map(this.#cursors);
    const lines = Object.fromEntries([...cursors].filter(([id]) => id !== SHARED_LINE));
    const body: StateFile = {
      version: FORMAT_VERSION,
      generation,
      cursor: cursors.get(SHARED_LINE) ?? null,
      ...(Object.keys(lines).length > 0 ? { lines } : {}),
      handled: [...this.#handled.entriesWithTime()],
      ...(this.#chatLines !== null && this.#chatLines.size > 0
        ? { chats: [...this.#chatLines.entriesWithValue()] }
        : {}),
    };
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    const file = await open(temporary, "w", 0o600);
    try {
      await file.writeFile(JSON.stringify(body));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, this.path);
    // The rename itself must survive a power cut too.
    await syncDirectory(this.#dir);
    this.#generation = generation;
    await this.#log?.close();
    const log = await open(this.logPath, "w", 0o600);
    await log.write(`${JSON.stringify({ g: generation })}\n`);
    if (this.#sync) await log.datasync();
    this.#log = log;
    this.#appends = 0;
    this.#saves += 1;
    this.#savedCursors = cursors;
  }
}

/** The file's text; `null` when it does not exist; `undefined` when it cannot be read. */
async function readOptional(path: string): Promise<string | null | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? null : undefined;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch {
    // Some filesystems cannot fsync a directory; the rename itself is still atomic.
  } finally {
    await handle.close();
  }
}

/**
 * Applies the log's lines to `entries` and `cursors`. A log that does not continue `generation`
 * is ignored; replay stops at the first line that is not a whole, well-formed record (the torn
 * tail of a crash).
 */
function replayLog(
  text: string,
  generation: number,
  cursors: Cursors,
  entries: Array<[string, number]>,
  chats: Array<[string, string, number]>,
): void {
  const lines = text.split("\n");
  const header = parseJson(lines[0] ?? "") as { g?: unknown } | undefined;
  if (header?.g !== generation) return;
  for (const raw of lines.slice(1)) {
    const line = parseJson(raw) as
      { h?: unknown; c?: unknown; l?: unknown; p?: unknown } | undefined;
    if (typeof line !== "object" || line === null) break;
    const handled = line.h === undefined ? [] : parseHandled(line.h);
    const lineCursors = line.l === undefined ? {} : parseLineCursors(line.l);
    const chatLines = line.p === undefined ? [] : parseChats(line.p);
    if (!handled || !lineCursors || !chatLines || (line.c !== undefined && !isCursor(line.c)))
      break;
    entries.push(...handled);
    chats.push(...chatLines);
    if (line.c !== undefined) cursors.set(SHARED_LINE, line.c as number | null);
    for (const [id, cursor] of Object.entries(lineCursors)) cursors.set(id, cursor);
  }
}

function cursorsOf(state: StateFile): Cursors {
  const cursors: Cursors = new Map(Object.entries(state.lines ?? {}));
  if (state.cursor !== null) cursors.set(SHARED_LINE, state.cursor);
  return cursors;
}

function parseLineCursors(value: unknown): Record<string, number | null> | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.every(([id, cursor]) => id !== SHARED_LINE && isCursor(cursor))) return null;
  return Object.fromEntries(entries) as Record<string, number | null>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isCursor(value: unknown): value is number | null {
  return value === null || (typeof value === "number" && Number.isSafeInteger(value) && value >= 0);
}

function parseHandled(value: unknown): Array<[string, number]> | null {
  if (!Array.isArray(value)) return null;
  const entries: Array<[string, number]> = [];
  for (const entry of value) {
    if (
      !Array.isArray(entry) ||
      typeof entry[0] !== "string" ||
      typeof entry[1] !== "number" ||
      !Number.isFinite(entry[1])
    )
      return null;
    entries.push([entry[0], entry[1]]);
  }
  return entries;
}

function parseChats(value: unknown): Array<[string, string, number]> | null {
  if (!Array.isArray(value)) return null;
  const chats: Array<[string, string, number]> = [];
  for (const entry of value) {
    if (
      !Array.isArray(entry) ||
      typeof entry[0] !== "string" ||
      typeof entry[1] !== "string" ||
      typeof entry[2] !== "number" ||
      !Number.isFinite(entry[2])
    )
      return null;
    chats.push([entry[0], entry[1], entry[2]]);
  }
  return chats;
}

function parseState(text: string): StateFile | InboundStateProblem {
  const value = parseJson(text);
  if (value === undefined) return "not_json";
  if (typeof value !== "object" || value === null) return "wrong_shape";
  const record = value as Record<string, unknown>;
  const cursor = record["cursor"];
  const generation = record["generation"];
  if (record["version"] !== FORMAT_VERSION) return "wrong_shape";
  if (!isCursor(cursor)) return "wrong_shape";
  if (
    generation !== undefined &&
    !(typeof generation === "number" && Number.isSafeInteger(generation))
  )
    return "wrong_shape";
  const handled = parseHandled(record["handled"]);
  const lines = record["lines"] === undefined ? {} : parseLineCursors(record["lines"]);
  const chats = record["chats"] === undefined ? [] : parseChats(record["chats"]);
  if (!handled || !lines || !chats) return "wrong_shape";
  return {
    version: FORMAT_VERSION,
    ...(generation === undefined ? {} : { generation }),
    cursor,
    lines,
    handled,
    chats,
  };
}
