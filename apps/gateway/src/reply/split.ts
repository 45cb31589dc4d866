// Split an agent reply to a platform's max message length (docs/contract/relay.md#message-length-units):
// `chars` counts Unicode code points, `utf16` counts UTF-16 code units (JS `.length`).
// The unit of work is the code point, so a surrogate pair is never split. Breaks prefer a
// paragraph, then a line, then a space; a ``` code block that must be split is closed at the
// end of one chunk and reopened (with its language tag) at the start of the next.

export type LenUnit = "chars" | "utf16";

export interface ReplyPiece {
  /** Added before `text` (a reopened code fence), "" when none. */
  readonly prefix: string;
  /** A slice of the original reply: the slices concatenate back to the reply exactly. */
  readonly text: string;
  /** Added after `text` (a closing code fence), "" when none. */
  readonly suffix: string;
}

export function measure(text: string, unit: LenUnit): number {
  if (unit === "utf16") return text.length;
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The chunks to send, each at most `max` in `unit`. */
export function splitReply(text: string, max: number, unit: LenUnit): string[] {
  return splitReplyPieces(text, max, unit).map((p) => p.prefix + p.text + p.suffix);
}

export function splitReplyPieces(text: string, max: number, unit: LenUnit): ReplyPiece[] {
  if (!Number.isSafeInteger(max) || max < 2) throw new RangeError("max must be an integer >= 2");
  // Most replies fit whole: a text of at most `max` UTF-16 units is at most `max` in either unit
  // (a code point is one or two units), and the walk below would return it as one piece.
  if (text.length <= max) return text === "" ? [] : [{ prefix: "", text, suffix: "" }];
  const cps = Array.from(text);
  const w = cps.map((c) => (unit === "utf16" ? c.length : 1));
  const fences = findFences(cps, unit);
  const pieces: ReplyPiece[] = [];
  let start = 0;
  // The block open at `start` in the text itself (the index of its opening fence), or -1; and
  // whether the previous chunk closed it (so this one reopens it).
  let inside = -1;
  let reopen = false;
  while (start < cps.length) {
    const prefix = reopen ? (fences.open[inside] as string) : "";
    const budget = max - (reopen ? (fences.openLen[inside] as number) : 0);
    let end = pickEnd(cps, w, start, budget);
    let after = fenceAfter(fences, start, end, inside);
    let suffix = "";
    // A block still open where the chunk ends is closed there and reopened in the next chunk,
    // only if that leaves at least half of `max` for text: a tag nearly `max` long would
    // otherwise be re-sent before every few characters of the block (a 4,080-character tag over
    // a 1 MB block: 125,000 messages). Left open, the block's text arrives whole, in about as
    // many messages as plain text takes.
    if (after >= 0 && end < cps.length && reopenFits(fences, after, max)) {
      end = pickEnd(cps, w, start, budget - (fences.closeLen[after] as number));
      after = fenceAfter(fences, start, end, inside);
      if (after >= 0 && end < cps.length && reopenFits(fences, after, max))
        suffix = fences.close[after] as string;
    }
    pieces.push({ prefix, text: cps.slice(start, end).join(""), suffix });
    inside = after;
    reopen = suffix !== "";
    start = end;
  }
  return pieces;
}

/** Index after the last code point of this chunk: at most `budget` units, at least one code point. */
function pickEnd(
  cps: readonly string[],
  w: readonly number[],
  start: number,
  budget: number,
): number {
  let hard = start;
  let used = 0;
  while (hard < cps.length && used + (w[hard] as number) <= budget) used += w[hard++] as number;
  if (hard === start) return start + 1; // budget smaller than one code point: never stall
  if (hard === cps.length) return hard;
  // Prefer a paragraph, then a line, then a space; never a break in the first quarter.
  const floor = start + Math.max(1, Math.floor((hard - start) / 4));
  for (const sep of ["\n\n", "\n", " "]) {
    for (let i = hard; i > floor; i--) {
      if (sep === "\n\n" ? cps[i - 1] === "\n" && cps[i - 2] === "\n" : cps[i - 1] === sep)
        return i;
    }
  }
  return hard;
}

/**
 * The code blocks of the text, as the fences that open and close them, in order (opening,
 * closing, opening, …; the last block may stay open). As CommonMark reads them: a fence is a
 * line (at the start of the text or right after "\n") of optional spaces/tabs then a run of three
 * or more backticks; an opening fence's tag (info string) is the rest of its line, trimmed, and
 * holds no backtick (else the line is inline code); inside a block only a run at least as long as
 * the opening one with nothing after it but spaces closes it, and other fence lines are its text.
 * `at` is the index of a fence's first backtick, where it opens or closes its block. One pass
 * over the text: each line is read once, each tag sliced once.
 */
interface Fences {
  readonly at: number[];
  /** For an opening fence: its tag, the fence that reopens the block, and the one that closes it. */
  readonly open: string[];
  readonly close: string[];
  /** Their lengths in the split's unit. */
  readonly openLen: number[];
  readonly closeLen: number[];
}

function findFences(cps: readonly string[], unit: LenUnit): Fences {
  const fences: Fences = { at: [], open: [], close: [], openLen: [], closeLen: [] };
  let openRun = 0; // the backtick run of the block open here, 0 outside one
  let i = 0; // a line start
  while (i < cps.length) {
    let j = i;
    while (j < cps.length && (cps[j] === " " || cps[j] === "\t")) j++;
    let run = 0;
    while (cps[j + run] === "`") run++;
    let eol = j + run;
    let backtickAfter = false;
    let textAfter = false;
    while (eol < cps.length && cps[eol] !== "\n") {
      if (cps[eol] === "`") backtickAfter = true;
      if (cps[eol] !== " " && cps[eol] !== "\t" && cps[eol] !== "\r") textAfter = true;
      eol++;
    }
    if (run >= 3) {
      if (openRun === 0 && !backtickAfter) {
        const ticks = "`".repeat(run);
        const tag = cps
          .slice(j + run, eol)
          .join("")
          .trim();
        const reopen = `${ticks}${tag}\n`;
        const close = `\n${ticks}`;
        fences.at.push(j);
        fences.open.push(reopen);
        fences.close.push(close);
        fences.openLen.push(measure(reopen, unit));
        fences.closeLen.push(measure(close, unit));
        openRun = run;
      } else if (openRun > 0 && run >= openRun && !textAfter) {
        fences.at.push(j);
        fences.open.push("");
        fences.close.push("");
        fences.openLen.push(0);
        fences.closeLen.push(0);
        openRun = 0;
      }
    }
    i = eol + 1;
  }
  return fences;
}

/** Whether reopening the block of fence `f` and closing it again take at most half of `max`. */
function reopenFits(fences: Fences, f: number, max: number): boolean {
  return 2 * ((fences.openLen[f] as number) + (fences.closeLen[f] as number)) <= max;
}

/** The block open after cps[start, end) (its opening fence's index, or -1), given the one open at `start`. */
function fenceAfter(fences: Fences, start: number, end: number, open: number): number {
  const { at } = fences;
  // the first fence at or after `start`
  let lo = 0;
  let hi = at.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((at[mid] as number) < start) lo = mid + 1;
    else hi = mid;
  }
  let state = open;
  for (let f = lo; f < at.length && (at[f] as number) < end; f++) state = state < 0 ? f : -1;
  return state;
}
