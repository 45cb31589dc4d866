// iMessage shows plain text and agents write markdown. markdown-it (CommonMark plus GFM tables and
// strikethrough) parses it; this file only walks its tokens back to readable text: emphasis and
// code markers dropped, link URLs kept after their text, lists as "• " / "1. ", code kept as
// written. markdown-it is linear in its input (its own pathological-input tests), and the walk
// below visits each token once.
import MarkdownIt, { type Token } from "markdown-it";

/** How outbound text is sent: `plain` renders markdown to readable text, `raw` sends it as written. */
export type PhotonMarkdownMode = "plain" | "raw";

const parser = new MarkdownIt("commonmark", { html: false }).enable(["table", "strikethrough"]);
// Show a link's URL as the author wrote it (markdown-it would percent-encode it for HTML).
parser.normalizeLink = (url) => url;

const BULLET = "• ";
const RULE = "———";

/**
 * Longer text is sent as written: rendering costs ~1.5–3 s of blocked event loop per MiB here,
 * which would stall every other chat of the gateway (an iMessage is cut at 8 000 characters).
 */
export const MAX_RENDERED_MARKDOWN = 64 * 1024;

/**
 * Renders `markdown` to the plain text a reader of an iMessage would want to see. Text over
 * {@link MAX_RENDERED_MARKDOWN} characters, or text that renders to nothing (markdown-it drops
 * what is nested deeper than its recursion limit), is returned as written: never an empty send
 * for a non-empty reply.
 */
export function markdownToPlainText(markdown: string): string {
  if (markdown.length > MAX_RENDERED_MARKDOWN || isPlainLine(markdown)) return markdown;
  return parsedToPlainText(markdown);
}

/** What the parser makes of `markdown` (no shortcut): what `isPlainLine` is tested against. */
export function parsedToPlainText(markdown: string): string {
  const text = new PlainTextWriter().write(parser.parse(markdown, {}));
  return text === "" && markdown.trim() !== "" ? markdown : text;
}

/**
 * One line that markdown would render unchanged, without edge spaces, so most short chat replies
 * skip the parser (~0.1 ms each): letters, digits, spaces and sentence punctuation; or, when it
 * starts with a letter (no list, heading, quote or rule can start then), also `- ! / @ % ( )`,
 * which mark nothing on their own (a link or image needs `[`, strikethrough `~`, an entity `&`).
 */
export function isPlainLine(text: string): boolean {
  return (PLAIN_LINE.test(text) || PLAIN_WORDS.test(text)) && text.trim() === text;
}
const PLAIN_LINE = /^[\p{L}\p{N} ,.;:'"?]*$/u;
const PLAIN_WORDS = /^\p{L}[\p{L}\p{N} ,.;:'"?!/@%()-]*$/u;

class PlainTextWriter {
  readonly #lines: string[] = [];
  /** Indentation of each open list item's content (the width of its marker). */
  readonly #itemIndents: string[] = [];
  /** The marker of a list item whose first block is still to come. */
  #marker: string | null = null;
  #quoteDepth = 0;
  /** Quote depth of the last block written (a blank line between blocks is only as deep as both). */
  #lastQuoteDepth = 0;
  /** A list just opened: its first item is set apart from what came before, even in a tight list. */
  #listOpened = false;
  #lastInList = false;
  #tableRows: string[] | null = null;
  #tableCells: string[] = [];

  write(tokens: readonly Token[]): string {
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      switch (token.type) {
        case "inline": {
          const text = renderInline(token.children ?? []);
          if (this.#tableRows !== null) this.#tableCells.push(text);
          else {
            // A paragraph inside a tight list is hidden: its items take one line each.
            const tight =
              tokens[i - 1]?.type === "paragraph_open" && tokens[i - 1]?.hidden === true;
            this.#block(text, tight);
          }
          break;
        }
        case "fence":
        case "code_block":
          this.#block(token.content.replace(/\n$/, ""), false);
          break;
        case "hr":
          this.#block(RULE, false);
          break;
        case "bullet_list_open":
        case "ordered_list_open":
          this.#listOpened = true;
          break;
        case "list_item_open":
          // Ordered items carry their number in `info` and the delimiter in `markup`.
          this.#marker = token.info === "" ? BULLET : `${token.info}${token.markup} `;
          this.#itemIndents.push(" ".repeat(this.#marker.length));
          break;
        case "list_item_close":
          this.#itemIndents.pop();
          this.#marker = null;
          break;
        case "blockquote_open":
          this.#quoteDepth += 1;
          break;
        case "blockquote_close":
          this.#quoteDepth -= 1;
          break;
        case "table_open":
          this.#tableRows = [];
          break;
        case "tr_open":
          this.#tableCells = [];
          break;
        case "tr_close":
          this.#tableRows?.push(this.#tableCells.join(" | "));
          break;
        case "table_close":
          if (this.#tableRows !== null) {
            const rows = this.#tableRows;
            this.#tableRows = null;
            this.#block(rows.join("\n"), false);
          }
          break;
      }
    }
    return this.#lines.join("\n").trim();
  }

  #block(text: string, tight: boolean): void {
    const quote = "> ".repeat(this.#quoteDepth);
    // A list after a paragraph is set apart from it (as the author's blank line did), even a
    // tight one; a nested list, or a list right after another, is not.
    const listAfterText = this.#listOpened && this.#itemIndents.length === 1 && !this.#lastInList;
    if (this.#lines.length > 0 && (!tight || listAfterText))
      this.#lines.push("> ".repeat(Math.min(this.#quoteDepth, this.#lastQuoteDepth)).trimEnd());
    this.#listOpened = false;
    this.#lastQuoteDepth = this.#quoteDepth;
    this.#lastInList = this.#itemIndents.length > 0;
    const indent = this.#itemIndents.join("");
    const outer = this.#itemIndents.slice(0, -1).join("");
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const prefix = i === 0 && this.#marker !== null ? outer + this.#marker : indent;
      this.#lines.push(`${quote}${prefix}${lines[i]}`.trimEnd());
    }
    this.#marker = null;
  }
}

function renderInline(tokens: readonly Token[]): string {
  let out = "";
  /** Where each open link's text starts in `out`, with its URL. */
  const links: Array<{ start: number; href: string; autolink: boolean }> = [];
  for (const token of tokens) {
    switch (token.type) {
      case "text":
      case "code_inline":
      case "html_inline":
        out += token.content;
        break;
      case "softbreak":
      case "hardbreak":
        out += "\n";
        break;
      case "link_open":
        links.push({
          start: out.length,
          href: String(token.attrGet("href") ?? ""),
          autolink: token.markup === "autolink",
        });
        break;
      case "link_close": {
        const link = links.pop();
        if (link && !link.autolink && link.href !== "" && out.slice(link.start) !== link.href)
          out += ` (${link.href})`;
        break;
      }
      case "image": {
        const alt = renderInline(token.children ?? []);
        const src = String(token.attrGet("src") ?? "");
        out += alt === "" ? src : src === "" ? alt : `${alt} (${src})`;
        break;
      }
      // Emphasis, strong and strikethrough markers are dropped; their text is in `text` tokens.
    }
  }
  return out;
}
