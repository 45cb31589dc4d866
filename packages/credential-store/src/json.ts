// auth.json serialization exactly as upstream writes it: Python's
// `json.dump(data, fh, indent=2, sort_keys=True)` (ensure_ascii: non-ASCII as \uXXXX escapes).

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** Python sorts str keys by code point; JS default sort compares UTF-16 units. */
function comparePython(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

const escapeNonAscii = (json: string): string =>
  json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/**
 * Python's float repr: the shortest round-trip digits (as JS), but exponent notation below
 * 1e-4 with a signed, two-digit exponent (`1e-05`). Integral values as JSON.stringify writes
 * them (digits below 1e21, which Python reads back as the same int).
 */
export function formatPythonNumber(n: number): string {
  if (!Number.isFinite(n)) return "null"; // what JSON.stringify writes; Python would write NaN/Infinity
  if (Number.isInteger(n)) return String(n); // what Python re-reads from JSON.stringify's digits (or 1e+21 as a float)
  if (Math.abs(n) >= 1e-3) return String(n); // exponent >= -3: the answer below, without toExponential
  const [mantissa, exp] = n.toExponential().split("e") as [string, string];
  const e = Number(exp);
  if (e >= -4) return String(n); // positional in both languages for -4 <= e < 16 (non-integers stay below 2^53)
  return `${mantissa}e-${String(-e).padStart(2, "0")}`;
}

/**
 * The number literals of a document's text that our printer would not write back the same
 * (`1.0`, `-0.0`, integers beyond 2^53, `1e+16`, …), by WHERE they are: for one array (an
 * array, by index) or object (a Map, by key), the literal of the number there, or the literals
 * of the array or object there. Only the arrays and objects on the way to such a literal have
 * an entry, so the numbers printed the default way (most of them) cost nothing.
 */
export type NumberLiterals =
  ReadonlyArray<string | NumberLiterals | undefined> | ReadonlyMap<string, string | NumberLiterals>;

type LiteralsNode = Array<string | LiteralsNode | undefined> | Map<string, string | LiteralsNode>;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
/** Characters of a JSON number after its first: digits, `.`, `e`, `E`, `+`, `-`. */
const inNumber = (c: number): boolean =>
  isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;

/** How many distinct literals numberLiterals remembers its decision for. */
const DECIDED_MAX = 4096;

/**
 * The number literals of `text` (the text JSON.parse read a document from: valid JSON), by
 * their place in the document JSON.parse gives (see {@link NumberLiterals}), so that each
 * number the writer leaves where it was is printed again with its own literal, whatever other
 * numbers the file holds: `1.0` beside `1`, a big integer beside its rounded digits, `-0.0`
 * beside `0`. A key given twice keeps the literals of its last value, the one JSON.parse
 * keeps. One pass over `text`, without recursion (any depth): linear in its length.
 * Undefined when no literal needs keeping.
 */
export function numberLiterals(text: string): NumberLiterals | undefined {
  let root: LiteralsNode | undefined;
  // The arrays and objects being scanned, outermost first, as parallel arrays indexed by
  // depth rather than an object per level: a file nested 100k deep made 100k live objects
  // the young-generation collector copied and promoted, which made the time per byte grow
  // with the depth. Entries past `depth` are stale and overwritten on the next open.
  const isArray: boolean[] = [];
  /** Where each container is in its parent: index, or where the key's string is (`"` to `"`). */
  const inParent: number[] = [];
  const inParentEnd: number[] = [];
  /** The index, or where the key's string is, of the value being scanned in each container. */
  const at: number[] = [];
  const atEnd: number[] = [];
  /** Each container's node, once a literal below it needs one. */
  const nodes: Array<LiteralsNode | undefined> = [];
  let depth = 0;
  let expectKey = false;
  // Literals already met (the same `1.0` a thousand times is one string) and whether they
  // need keeping (null: printed as written anyway); bounded, for files of distinct numbers.
  const decided = new Map<string, string | null>();
  // The key whose string is text[from..to] (quotes included); JSON.parse only for escapes.
  const key = (from: number, to: number): string => {
    const raw = text.slice(from + 1, to);
    return raw.includes("\\") ? (JSON.parse(text.slice(from, to + 1)) as string) : raw;
  };
  const put = (node: LiteralsNode, from: number, to: number, v: string | LiteralsNode) => {
    if (Array.isArray(node)) node[from] = v;
    else node.set(key(from, to), v);
  };
  // The node of the container at depth `d`, made with those of the containers above it that
  // have none yet (each container gets its node once: linear in all).
  const nodeOf = (d: number): LiteralsNode => {
    let first = d;
    while (first >= 0 && nodes[first] === undefined) first--;
    for (let j = first + 1; j <= d; j++) {
      const node: LiteralsNode = isArray[j] ? [] : new Map();
      nodes[j] = node;
      if (j === 0) root = node;
      else put(nodes[j - 1]!, inParent[j]!, inParentEnd[j]!, node);
    }
    return nodes[d]!;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const array = c === 0x5b;
      isArray[depth] = array;
      inParent[depth] = depth > 0 ? at[depth - 1]! : 0;
      inParentEnd[depth] = depth > 0 ? atEnd[depth - 1]! : 0;
      at[depth] = 0;
      atEnd[depth] = 0;
      nodes[depth] = undefined;
      depth++;
      expectKey = !array;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth > 0) depth--;
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      if (depth > 0 && isArray[depth - 1]) at[depth - 1]!++;
      else expectKey = true;
    } else if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++)
        if (text.charCodeAt(i) === 0x5c) i++;
      if (expectKey && depth > 0) {
        const d = depth - 1;
        at[d] = start;
        atEnd[d] = i;
        expectKey = false;
        // A key given again: its earlier value is gone from the document, so are its literals.
        const node = nodes[d];
        if (node instanceof Map) node.delete(key(start, i));
      }
    } else if (c === 0x2d /* - */ || isDigit(c)) {
      const start = i;
      let plain = true; // digits only, after an optional '-'
      while (i + 1 < text.length && inNumber(text.charCodeAt(i + 1))) {
        const d = text.charCodeAt(++i);
        if (!isDigit(d)) plain = false;
      }
      if (depth === 0) continue;
      const digits = i + 1 - start - (c === 0x2d ? 1 : 0);
      // An integer below 1e15 prints as written, except -0 (read as 0 and printed so).
      if (plain && digits <= 15 && !(c === 0x2d && text.charCodeAt(start + 1) === 0x30)) continue;
      const read = text.slice(start, i + 1);
      let lit = decided.get(read);
      if (lit === undefined) {
        lit = formatPythonNumber(Number(read)) === read ? null : read;
        if (decided.size < DECIDED_MAX) decided.set(read, lit);
      }
      const d = depth - 1;
      if (lit !== null) put(nodeOf(d), at[d]!, atEnd[d]!, lit);
    }
  }
  return root;
}

/**
 * How deep arrays and objects may nest in a document serializeAuth writes (the top-level
 * object is level 1). The printer recurses once per level, so without a bound a deeply nested
 * auth.json (which JSON.parse reads at any depth) overflowed the stack; upstream's Python json
 * gives up near 1000 levels as well.
 */
export const MAX_AUTH_DEPTH = 1000;

/** Whether `value` nests arrays and objects deeper than `max` levels (or is cyclic); iterative. */
export function nestedDeeperThan(value: unknown, max: number = MAX_AUTH_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, depth] = top;
    if (typeof v !== "object" || v === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

// A printer of our own: JS objects enumerate integer-like keys first whatever their order,
// so sorting keys into a new object and calling JSON.stringify would not sort them.
// `literals` is what {@link NumberLiterals} holds for `value`'s place in the document.
function print(
  value: unknown,
  indent: string,
  literals: string | NumberLiterals | undefined,
  depth: number,
): string {
  if (typeof value === "object" && value !== null && depth > MAX_AUTH_DEPTH)
    throw new RangeError(
      `the document nests arrays and objects deeper than ${MAX_AUTH_DEPTH} levels (or is cyclic)`,
    );
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inner = indent + "  ";
    const at = Array.isArray(literals)
      ? (literals as ReadonlyArray<string | NumberLiterals | undefined>)
      : undefined;
    return `[\n${value.map((v, i) => inner + print(v === undefined ? null : v, inner, at?.[i], depth + 1)).join(",\n")}\n${indent}]`;
  }
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort(comparePython);
    if (keys.length === 0) return "{}";
    const inner = indent + "  ";
    const at = literals instanceof Map ? literals : undefined;
    return `{\n${keys.map((k) => `${inner}${escapeNonAscii(JSON.stringify(k))}: ${print((value as Record<string, unknown>)[k], inner, at?.get(k), depth + 1)}`).join(",\n")}\n${indent}}`;
  }
  if (typeof value === "number")
    // The literal read at this place, unless the writer put another value there.
    return typeof literals === "string" && Object.is(Number(literals), value)
      ? literals
      : formatPythonNumber(value);
  const out = JSON.stringify(value);
  return out === undefined ? "null" : escapeNonAscii(out);
}

/**
 * Pretty JSON, 2-space indent, keys sorted by code point, non-ASCII escaped, numbers as
 * Python writes them; no trailing newline (as upstream). `literals` (from
 * {@link numberLiterals} of the text the document was read from) keeps the spelling of each
 * number still at its place (the same path of keys and indexes) with the value read there;
 * any other number (added, changed, moved) is printed the default way.
 * Throws a RangeError for a document nested deeper than {@link MAX_AUTH_DEPTH} (or cyclic).
 */
export function serializeAuth(doc: JsonObject, literals?: NumberLiterals): string {
  return print(doc, "", literals, 1);
}
