// iMessage bubbles are capped; long agent replies go out as several messages, cut where a reader
// would: at a paragraph break, else a line break, else a space, else (one giant word) anywhere
// that does not split a UTF-16 surrogate pair. Linear in the input.

/** The default cap per message, in UTF-16 code units: iMessage's practical limit is ~16 KB, upstream Hermes uses 8 000. */
export const IMESSAGE_MAX_MESSAGE_LENGTH = 8000;

/** Splits `text` into chunks of at most `maxLength` code units; whitespace at the cuts is dropped, empty chunks never returned. */
export function splitMessageText(text: string, maxLength = IMESSAGE_MAX_MESSAGE_LENGTH): string[] {
  if (!Number.isInteger(maxLength) || maxLength < 2)
    throw new RangeError(`maxLength must be an integer ≥ 2, got ${maxLength}`);
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    // Skip whitespace a previous cut left at the start of this chunk.
    while (start < text.length && isSpace(text.charCodeAt(start))) start++;
    if (start >= text.length) break;
    if (text.length - start <= maxLength) {
      pushTrimmed(chunks, text.slice(start));
      break;
    }
    const limit = start + maxLength;
    const cut = lastBreak(text, start, limit);
    pushTrimmed(chunks, text.slice(start, cut));
    start = cut;
  }
  return chunks;
}

function lastBreak(text: string, start: number, limit: number): number {
  // Search backwards once from the limit; prefer the strongest break seen, but never a cut in
  // the first half when a weaker break exists later (keeps chunks reasonably full).
  const floor = start + Math.floor((limit - start) / 2);
  let line = -1;
  let space = -1;
  for (let i = limit; i > start; i--) {
    const code = text.charCodeAt(i - 1);
    if (code === 10) {
      if (i - 2 >= start && text.charCodeAt(i - 2) === 10 && i > floor) return i;
      if (line < 0) line = i;
    } else if (space < 0 && isSpace(code)) {
      space = i;
    }
  }
  if (line > floor) return line;
  if (space > start) return Math.max(space, line);
  if (line > start) return line;
  // No break at all: cut at the limit, but not between the halves of a surrogate pair.
  const high = text.charCodeAt(limit - 1);
  return high >= 0xd800 && high <= 0xdbff ? limit - 1 : limit;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

function pushTrimmed(chunks: string[], chunk: string): void {
  const trimmed = chunk.trimEnd();
  if (trimmed !== "") chunks.push(trimmed);
}
