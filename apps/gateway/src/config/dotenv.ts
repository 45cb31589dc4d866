// Minimal reader for `$HERMES_HOME/.env` (spec hermes-home.md "Values"): `KEY=value`,
// `export KEY=value`, `KEY = value`, double-quoted values with `\\` and `\"` escapes,
// single-quoted values taken literally. Comments and blank lines are skipped. The first
// definition of a key wins (the writer replaces the first line defining it).
// @hermes/credential-store does not export a .env parser yet; when it does, this file
// delegates to it and keeps this signature.

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

export function parseDotenv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  for (const raw of body.split(/\r?\n/)) {
    const m = LINE.exec(raw);
    if (!m) continue;
    const key = m[1] as string;
    if (out.has(key)) continue;
    out.set(key, unquote((m[2] as string).trim()));
  }
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    let s = "";
    const inner = v.slice(1, -1);
    for (let i = 0; i < inner.length; i++) {
      const c = inner[i] as string;
      if (c === "\\" && i + 1 < inner.length) {
        s += inner[i + 1];
        i++;
      } else s += c;
    }
    return s;
  }
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  return v;
}
