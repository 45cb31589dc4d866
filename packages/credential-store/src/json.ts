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
  const [mantissa, exp] = n.toExponential().split("e") as [string, string];
  const e = Number(exp);
  if (e >= -4) return String(n); // positional in both languages for -4 <= e < 16 (non-integers stay below 2^53)
  return `${mantissa}e-${String(-e).padStart(2, "0")}`;
}

/**
 * Number literals of `text` (outside strings) that our printer would not write back the same
 * (`1.0`, integers beyond 2^53, `1e+16`, …), by the value JSON.parse gives them. Printing
 * that value again uses the original literal, so other tools' numbers survive byte for byte
 * and big integers keep every digit. A value seen with two different literals is dropped
 * (ambiguous: printed the default way).
 */
export function numberLiterals(text: string): Map<number, string> {
  const out = new Map<number, string>();
  const ambiguous = new Set<number>();
  const num = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:e[+-]?\d+)?/iy;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++)
        if (text.charCodeAt(i) === 0x5c) i++;
      continue;
    }
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    num.lastIndex = i;
    const m = num.exec(text);
    if (m === null) continue;
    const lit = m[0];
    i += lit.length - 1;
    const value = Number(lit);
    if (Object.is(value, -0) || ambiguous.has(value)) continue;
    const seen = out.get(value);
    if (seen === undefined) out.set(value, lit);
    else if (seen !== lit) {
      out.delete(value);
      ambiguous.add(value);
    }
  }
  for (const [value, lit] of out) if (formatPythonNumber(value) === lit) out.delete(value);
  return out;
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
function print(
  value: unknown,
  indent: string,
  literals: ReadonlyMap<number, string>,
  depth: number,
): string {
  if (typeof value === "object" && value !== null && depth > MAX_AUTH_DEPTH)
    throw new RangeError(
      `the document nests arrays and objects deeper than ${MAX_AUTH_DEPTH} levels (or is cyclic)`,
    );
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inner = indent + "  ";
    return `[\n${value.map((v) => inner + print(v === undefined ? null : v, inner, literals, depth + 1)).join(",\n")}\n${indent}]`;
  }
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort(comparePython);
    if (keys.length === 0) return "{}";
    const inner = indent + "  ";
    return `{\n${keys.map((k) => `${inner}${escapeNonAscii(JSON.stringify(k))}: ${print((value as Record<string, unknown>)[k], inner, literals, depth + 1)}`).join(",\n")}\n${indent}}`;
  }
  if (typeof value === "number") return literals.get(value) ?? formatPythonNumber(value);
  const out = JSON.stringify(value);
  return out === undefined ? "null" : escapeNonAscii(out);
}

/**
 * Pretty JSON, 2-space indent, keys sorted by code point, non-ASCII escaped, numbers as
 * Python writes them; no trailing newline (as upstream). `literals` (from
 * {@link numberLiterals} of the text the document was read from) keeps numbers as written.
 * Throws a RangeError for a document nested deeper than {@link MAX_AUTH_DEPTH} (or cyclic).
 */
export function serializeAuth(
  doc: JsonObject,
  literals: ReadonlyMap<number, string> = new Map(),
): string {
  return print(doc, "", literals, 1);
}
