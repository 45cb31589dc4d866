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

const CLOSE = "\n```";

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
  const closeLen = measure(CLOSE, unit);
  const pieces: ReplyPiece[] = [];
  let start = 0;
  let open = -1; // the fence (an index into `fences`) left open by the previous chunk, or -1
  while (start < cps.length) {
    // "```" + tag + "\n": the tag was measured once, when its fence was found.
    const prefixLen = open < 0 ? 0 : 4 + (fences.tagLen[open] as number);
    const fencesOk = prefixLen + closeLen + 2 <= max;
    const usePrefix = fencesOk && open >= 0 ? "```" + (fences.tag[open] as string) + "\n" : "";
    const budget = max - (fencesOk ? prefixLen : 0);
    let end = pickEnd(cps, w, start, budget);
    let state = fenceAfter(fences, start, end, fencesOk ? open : -1);
    let suffix = "";
    if (fencesOk && state >= 0 && end < cps.length) {
      end = pickEnd(cps, w, start, budget - closeLen);
      state = fenceAfter(fences, start, end, open);
      // Closed here only if reopening it leaves the next chunk at least half of `max` for text:
      // a tag nearly `max` long would otherwise be re-sent before every few characters of the
      // block (a 4,080-character tag over a 1 MB block: 125,000 messages). Left open instead,
      // the block's text still arrives whole, in as many messages as plain text would take.
      if (state >= 0 && end < cps.length && reopenFits(fences, state, closeLen, max))
        suffix = CLOSE;
    }
    pieces.push({ prefix: usePrefix, text: cps.slice(start, end).join(""), suffix });
    open = suffix === "" ? -1 : state;
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
 * The ``` fences of the text, in order: a fence is a line (at the start of the text or right
 * after "\n") of optional spaces/tabs then three backticks; its tag is the rest of that line,
 * trimmed. `at` is the index of its first backtick, the point where it opens or closes a block.
 * One pass over the text: each line is read once, the tag sliced once.
 */
interface Fences {
  readonly at: number[];
  readonly tag: string[];
  /** The tag's length in the split's unit. */
  readonly tagLen: number[];
}

function findFences(cps: readonly string[], unit: LenUnit): Fences {
  const fences: Fences = { at: [], tag: [], tagLen: [] };
  let i = 0; // a line start
  while (i < cps.length) {
    let j = i;
    while (j < cps.length && (cps[j] === " " || cps[j] === "\t")) j++;
    const ticks = cps[j] === "`" && cps[j + 1] === "`" && cps[j + 2] === "`";
    let eol = ticks ? j + 3 : j;
    while (ticks && cps[eol] === "`") eol++; // the rest of the opening run
    let backtickInTag = false;
    while (eol < cps.length && cps[eol] !== "\n") {
      // Past the opening run, a backtick makes the line inline code, not a fence (CommonMark: a
      // backtick fence's info string holds none), e.g. "```js``` is inline."
      if (cps[eol] === "`") backtickInTag = true;
      eol++;
    }
    const fence = ticks && !backtickInTag;
    if (fence) {
      const tag = cps
        .slice(j + 3, eol)
        .join("")
        .trim();
      fences.at.push(j);
      fences.tag.push(tag);
      fences.tagLen.push(measure(tag, unit));
    }
    i = eol + 1;
  }
  return fences;
}

/** Whether reopening fence `f` ("```" + tag + "\n") and closing it again take at most half of `max`. */
function reopenFits(fences: Fences, f: number, closeLen: number, max: number): boolean {
  return 2 * (4 + (fences.tagLen[f] as number) + closeLen) <= max;
}

/** The fence open after cps[start, end) (its index, or -1), given the one open at `start`. */
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
