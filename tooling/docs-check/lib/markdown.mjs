// What the docs check needs from a Markdown file: the anchors its headings get on GitHub,
// and the link targets it contains. Line-based and linear (no regex with overlapping
// repetition): fenced code blocks and inline code spans are skipped, since nothing in them is
// a link GitHub would render.
import GithubSlugger from "github-slugger";

/**
 * @typedef {{ line: number; target: string }} MarkdownLink
 */

/**
 * The lines of a Markdown text outside fenced code blocks, with their 1-based numbers.
 * @param {string} text
 * @returns {{ line: number; text: string }[]}
 */
export function proseLines(text) {
  /** @type {{ line: number; text: string }[]} */
  const out = [];
  let fence = "";
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    const trimmed = raw.trimStart();
    const marker = trimmed.startsWith("```") ? "```" : trimmed.startsWith("~~~") ? "~~~" : "";
    if (fence === "") {
      if (marker !== "") fence = marker;
      else out.push({ line: i + 1, text: raw });
    } else if (marker === fence) {
      fence = "";
    }
  }
  return out;
}

/**
 * `text` without inline code spans (backtick runs and what they enclose).
 * @param {string} text
 * @returns {string}
 */
export function withoutInlineCode(text) {
  let out = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] !== "`") {
      out += text[i];
      i++;
      continue;
    }
    let run = 0;
    while (text[i + run] === "`") run++;
    const closer = "`".repeat(run);
    const end = text.indexOf(closer, i + run);
    if (end === -1) {
      out += text.slice(i);
      break;
    }
    i = end + run;
  }
  return out;
}

/**
 * The text GitHub renders for a heading's source: code spans keep their content, links keep
 * their text, emphasis markers and HTML tags go.
 * @param {string} source
 * @returns {string}
 */
function renderedHeading(source) {
  let out = "";
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "`" || c === "*") continue;
    if (c === "<") {
      const end = source.indexOf(">", i);
      if (end !== -1) {
        i = end;
        continue;
      }
    }
    if (c === "]" && source[i + 1] === "(") {
      const end = source.indexOf(")", i);
      if (end !== -1) {
        i = end;
        continue;
      }
    }
    if (c === "[") continue;
    out += c;
  }
  return out;
}

/**
 * Every anchor a reader can link to in this Markdown text: GitHub's heading slugs (with the
 * `-1`, `-2` suffixes of repeated headings) and explicit `<a id="…">` / `<a name="…">`.
 * @param {string} text
 * @returns {Set<string>}
 */
export function anchorsOf(text) {
  const slugger = new GithubSlugger();
  const anchors = new Set();
  for (const { text: line } of proseLines(text)) {
    let level = 0;
    while (line[level] === "#") level++;
    if (level >= 1 && level <= 6 && (line[level] === " " || line[level] === "\t")) {
      let body = line.slice(level).trim();
      // A closing run of `#` is not part of the heading.
      let end = body.length;
      while (end > 0 && body[end - 1] === "#") end--;
      if (end < body.length && (end === 0 || body[end - 1] === " "))
        body = body.slice(0, end).trim();
      anchors.add(slugger.slug(renderedHeading(body)));
    }
    for (const attr of ['id="', 'name="']) {
      let at = line.indexOf(`<a ${attr}`);
      while (at !== -1) {
        const start = at + 3 + attr.length;
        const close = line.indexOf('"', start);
        if (close === -1) break;
        anchors.add(line.slice(start, close));
        at = line.indexOf(`<a ${attr}`, close);
      }
    }
  }
  return anchors;
}

/**
 * The link targets of a Markdown text: inline links and images `[text](target "title")`, and
 * reference definitions `[label]: target`. Targets are returned as written (without `<>` and
 * without the title).
 * @param {string} text
 * @returns {MarkdownLink[]}
 */
export function linksOf(text) {
  /** @type {MarkdownLink[]} */
  const links = [];
  for (const { line, text: raw } of proseLines(text)) {
    const prose = withoutInlineCode(raw);
    const definition = referenceDefinition(prose);
    if (definition !== null) links.push({ line, target: definition });
    let at = prose.indexOf("](");
    while (at !== -1) {
      const start = at + 2;
      const close = prose.indexOf(")", start);
      if (close === -1) break;
      let target = prose.slice(start, close).trim();
      if (target.startsWith("<")) {
        const end = target.indexOf(">");
        target = end === -1 ? target.slice(1) : target.slice(1, end);
      } else {
        const space = target.indexOf(" ");
        if (space !== -1) target = target.slice(0, space);
      }
      if (target !== "") links.push({ line, target });
      at = prose.indexOf("](", close);
    }
  }
  return links;
}

/**
 * The target of a reference definition line (`[label]: target`), or null.
 * @param {string} line
 * @returns {string | null}
 */
function referenceDefinition(line) {
  const trimmed = line.trimStart();
  if (!trimmed.startsWith("[")) return null;
  const close = trimmed.indexOf("]:");
  if (close <= 1) return null;
  const target = trimmed.slice(close + 2).trim();
  const space = target.indexOf(" ");
  return (space === -1 ? target : target.slice(0, space)) || null;
}
