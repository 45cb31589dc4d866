// What the channel remembers across restarts, in one small JSON file per project: the ids of the
// inbound events it has handed over (bounded by the caller's map: newest ids, none past its age) and the
// resume cursor, the highest event sequence before which nothing is left unhandled. Written
// atomically (temporary file, fsync, rename, fsync of the directory), so a crash or `kill -9`
// leaves either the previous file or the new one, never a torn one. A file that cannot be read
// is reported (`problem`) and replaced, never fatal: the channel then starts without memory.
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { RecentMap } from "./recent.js";

export const INBOUND_STATE_FILE = "inbound-state.json";
const FORMAT_VERSION = 1;

export interface InboundStateOptions {
  /** Directory of this project's state (created 0700 when missing). */
  dir: string;
  /** The handled ids, bounded by the caller (size and age); saved entries are loaded into it. */
  handled: RecentMap<true>;
  now: () => number;
}

interface StateFile {
  version: number;
  cursor: number | null;
  handled: Array<[string, number]>;
}

/** Why a state file was not used; the channel logs it and starts fresh. */
export type InboundStateProblem = "unreadable" | "not_json" | "wrong_shape";

export class InboundStateStore {
  readonly path: string;
  readonly #dir: string;
  readonly #handled: RecentMap<true>;
  #cursor: number | null;
  /** A save in progress, and whether another is needed after it (changes made meanwhile). */
  #saving: Promise<void> | null = null;
  #dirty = false;
  #saves = 0;
  #savedCursor: number | null = null;

  private constructor(
    options: InboundStateOptions,
    cursor: number | null,
    handled: RecentMap<true>,
  ) {
    this.#dir = options.dir;
    this.path = join(options.dir, INBOUND_STATE_FILE);
    this.#cursor = cursor;
    this.#handled = handled;
  }

  /** Reads the state in `dir` (missing = empty). A damaged file is reported and ignored. */
  static async open(
    options: InboundStateOptions,
  ): Promise<{ store: InboundStateStore; problem: InboundStateProblem | null }> {
    const handled = options.handled;
    let text: string | null = null;
    let problem: InboundStateProblem | null = null;
    try {
      text = await readFile(join(options.dir, INBOUND_STATE_FILE), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") problem = "unreadable";
    }
    let cursor: number | null = null;
    if (text !== null) {
      const parsed = parseState(text);
      if (typeof parsed === "string") problem = parsed;
      else {
        cursor = parsed.cursor;
        // Oldest first, so the bound drops the oldest; entries past the age bound are skipped.
        const entries = parsed.handled
          .filter(([, at]) => at <= options.now())
          .sort((a, b) => a[1] - b[1]);
        for (const [id, at] of entries) handled.setAt(id, true, at);
      }
    }
    const store = new InboundStateStore(options, cursor, handled);
    store.#savedCursor = cursor;
    return { store, problem };
  }

  get cursor(): number | null {
    return this.#cursor;
  }

  /** The cursor in the file as last written (or read): what a restart right now resumes from. */
  get savedCursor(): number | null {
    return this.#savedCursor;
  }

  /** How many times the file was written (tests and health). */
  get saves(): number {
    return this.#saves;
  }

  get handledCount(): number {
    return this.#handled.size;
  }

  markHandled(id: string): void {
    this.#handled.set(id, true);
    this.#dirty = true;
  }

  /** Moves the cursor forward (never back). */
  advanceCursor(sequence: number): void {
    if (this.#cursor !== null && sequence <= this.#cursor) return;
    this.#cursor = sequence;
    this.#dirty = true;
  }

  /** Forgets the cursor (the server refused it: a gap). */
  resetCursor(): void {
    if (this.#cursor === null) return;
    this.#cursor = null;
    this.#dirty = true;
  }

  /**
   * Writes the state if it changed. Concurrent callers share writes: the promise resolves once a
   * write that started after the call's changes has finished.
   */
  async save(): Promise<void> {
    while (this.#saving) await this.#saving;
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#saving = this.#write().finally(() => {
      this.#saving = null;
    });
    await this.#saving;
  }

  async #write(): Promise<void> {
    const cursor = this.#cursor;
    const body: StateFile = {
      version: FORMAT_VERSION,
      cursor,
      handled: [...this.#handled.entriesWithTime()],
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
    const dir = await open(this.#dir, "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    this.#saves += 1;
    this.#savedCursor = cursor;
  }
}

function parseState(text: string): StateFile | InboundStateProblem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not_json";
  }
  if (typeof value !== "object" || value === null) return "wrong_shape";
  const record = value as Record<string, unknown>;
  const cursor = record["cursor"];
  const handled = record["handled"];
  if (record["version"] !== FORMAT_VERSION || !Array.isArray(handled)) return "wrong_shape";
  if (
    cursor !== null &&
    !(typeof cursor === "number" && Number.isSafeInteger(cursor) && cursor >= 0)
  )
    return "wrong_shape";
  const entries: Array<[string, number]> = [];
  for (const entry of handled) {
    if (
      !Array.isArray(entry) ||
      typeof entry[0] !== "string" ||
      typeof entry[1] !== "number" ||
      !Number.isFinite(entry[1])
    )
      return "wrong_shape";
    entries.push([entry[0], entry[1]]);
  }
  return { version: FORMAT_VERSION, cursor, handled: entries };
}
