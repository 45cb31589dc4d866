// A strict reader of the Prometheus text exposition format (0.0.4) for tests: every line is a
// `# HELP`, a `# TYPE`, or `name{label="value",…} number`; anything else throws, so a
// malformed exposition fails the test instead of being skipped over.

export interface Exposition {
  /** The sample's value; throws when there is no such series. */
  value(name: string, labels?: Record<string, string>): number;
  /** The declared `# TYPE` of a metric family. */
  type(name: string): string | undefined;
  readonly samples: readonly { name: string; labels: Record<string, string>; value: number }[];
}

const SAMPLE = /^([a-z_:][\w:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/i;
const LABEL = /^([a-z_]\w*)="((?:[^"\\]|\\.)*)"$/i;

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === "") return labels;
  // Split on commas outside quoted values.
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === "\\" && quoted) {
      current += ch + (text[++i] ?? "");
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === "," && !quoted) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  if (current !== "") parts.push(current);
  for (const p of parts) {
    const m = LABEL.exec(p);
    if (!m) throw new Error(`malformed label ${JSON.stringify(p)}`);
    labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c: string) =>
      c === "n" ? "\n" : c,
    );
  }
  return labels;
}

export function parseExposition(text: string): Exposition {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("# HELP ")) continue;
    if (line.startsWith("# TYPE ")) {
      const [name, type] = line.slice(7).split(" ");
      if (!name || !type) throw new Error(`malformed TYPE line ${JSON.stringify(line)}`);
      types.set(name, type);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`malformed exposition line ${JSON.stringify(line)}`);
    const raw = m[3] as string;
    // Values are Go ParseFloat syntax: NaN and Inf in any letter case (prom-client writes "Nan").
    const special = raw.toLowerCase();
    const value =
      special === "nan"
        ? Number.NaN
        : /^\+?inf$/.test(special)
          ? Infinity
          : special === "-inf"
            ? -Infinity
            : Number(raw);
    if (Number.isNaN(value) && special !== "nan")
      throw new Error(`malformed value in ${JSON.stringify(line)}`);
    samples.push({ name: m[1] as string, labels: parseLabels(m[2] ?? ""), value });
  }
  return {
    samples,
    type: (name) => types.get(name),
    value(name, labels = {}) {
      const hit = samples.find(
        (s) =>
          s.name === name &&
          Object.entries(labels).every(([k, v]) => s.labels[k] === v) &&
          Object.keys(s.labels).length === Object.keys(labels).length,
      );
      if (!hit) throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
      return hit.value;
    },
  };
}
