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
  const pieces: ReplyPiece[] = [];
  let start = 0;
  let openLang: string | null = null; // a fence left open by the previous chunk
  while (start < cps.length) {
    const prefix = openLang === null ? "" : "```" + openLang + "\n";
    const prefixLen = measure(prefix, unit);
    const fencesOk = prefixLen + measure(CLOSE, unit) + 2 <= max;
    const usePrefix = fencesOk ? prefix : "";
    let end = pickEnd(cps, w, start, max - measure(usePrefix, unit));
    let state = fenceAfter(cps, start, end, fencesOk ? openLang : null);
    let suffix = "";
    if (fencesOk && state !== null && end < cps.length) {
      end = pickEnd(cps, w, start, max - measure(usePrefix, unit) - measure(CLOSE, unit));
      state = fenceAfter(cps, start, end, openLang);
      if (state !== null && end < cps.length) suffix = CLOSE;
    }
    pieces.push({ prefix: usePrefix, text: cps.slice(start, end).join(""), suffix });
    openLang = suffix === "" ? null : state;
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

/** The language of the fence open after cps[start, end), given the fence open at `start`. */
function fenceAfter(
  cps: readonly string[],
  start: number,
  end: number,
  open: string | null,
): string | null {
  let state = open;
  let i = start;
  let atLineStart = true;
  while (i < end) {
    if (atLineStart) {
      let j = i;
      while (j < end && (cps[j] === " " || cps[j] === "\t")) j++;
      if (cps[j] === "`" && cps[j + 1] === "`" && cps[j + 2] === "`") {
        let k = j + 3;
        let lang = "";
        while (k < cps.length && cps[k] !== "\n") lang += cps[k++];
        state = state === null ? lang.trim() : null;
      }
    }
    atLineStart = cps[i] === "\n";
    i++;
  }
  return state;
}
