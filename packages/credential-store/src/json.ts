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

// A printer of our own: JS objects enumerate integer-like keys first whatever their order,
// so sorting keys into a new object and calling JSON.stringify would not sort them.
function print(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inner = indent + "  ";
    return `[\n${value.map((v) => inner + print(v === undefined ? null : v, inner)).join(",\n")}\n${indent}]`;
  }
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort(comparePython);
    if (keys.length === 0) return "{}";
    const inner = indent + "  ";
    return `{\n${keys.map((k) => `${inner}${escapeNonAscii(JSON.stringify(k))}: ${print((value as Record<string, unknown>)[k], inner)}`).join(",\n")}\n${indent}}`;
  }
  const out = JSON.stringify(value);
  return out === undefined ? "null" : escapeNonAscii(out);
}

/** Pretty JSON, 2-space indent, keys sorted by code point, non-ASCII escaped; no trailing newline (as upstream). */
export function serializeAuth(doc: JsonObject): string {
  return print(doc, "");
}
