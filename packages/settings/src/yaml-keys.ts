// config.yaml is shared with the other Hermes tools (docs/contract/hermes-home.md), so a key no
// resolver here reads may well be another tool's: unknown keys are not errors. What is worth
// saying is a key that is almost one of ours — `gateway.relay_ulr` beside `gateway.relay_url`,
// `Require_Mention`, `relay_url` at the top instead of under `gateway:` — because the setting it
// was meant to be then silently keeps its default. Only key names are ever shown, never values.
import { distance } from "fastest-levenshtein";
import { asRecord, type SettingsSource } from "./source.js";

export interface MisspelledYamlKey {
  /** The dotted path as written in config.yaml (`gateway.relay_ulr`). */
  readonly path: string;
  /** The setting it most likely meant (`gateway.relay_url`). */
  readonly suggestion: string;
}

/** Names of gateway settings that only this gateway uses: flagged when written at the top level. */
const GATEWAY_ONLY_NAME =
  /^(?:relay_|health_|inbound_|media_cache_|max_queued_|drain_|typing_|stream_edit_|agent_|allow_insecure_)/;

/** The block of one settings section per platform: `platforms.<name>.<key>`. */
const PLATFORMS = "platforms";

/**
 * Keys of config.yaml that look like a misspelling (or misplacement) of a setting `source` was
 * asked for: call it after resolving, so that every setting has been read once. A key is
 * suspect when, compared case- and `-`/`_`-insensitively, it is a known name or within edit
 * distance 2 of one (1 for names of six characters or fewer), and is not itself known.
 */
export function misspelledYamlKeys(source: SettingsSource): MisspelledYamlKey[] {
  const known = knownNames(source.yamlPathsRead());
  const sections = candidatesOf(known.sections);
  const platforms = candidatesOf(known.platforms);
  const platformLeaves = candidatesOf(known.platformLeaves);
  const doc = source.yamlDocument();
  const out: MisspelledYamlKey[] = [];
  for (const [top, value] of Object.entries(doc)) {
    if (known.sections.has(top)) continue;
    const section = nearest(top, sections);
    if (section !== null) out.push({ path: top, suggestion: section });
    // A gateway setting written at the top level instead of under `gateway:`: same name exactly,
    // a plain value, and a name no other tool would use (upstream Hermes keeps an `agent:` block,
    // and `log_level`, `commands` or `reactions` could be anyone's).
    else if (
      known.sectionLeaves.get("gateway")?.has(top) === true &&
      GATEWAY_ONLY_NAME.test(top) &&
      (value === null || typeof value !== "object")
    )
      out.push({ path: top, suggestion: `gateway.${top}` });
  }
  for (const section of known.sections) {
    const block = asRecord(doc[section]);
    if (block === null) continue;
    if (section === PLATFORMS) {
      for (const [platform, settings] of Object.entries(block)) {
        const platformBlock = asRecord(settings);
        if (platformBlock === null) continue;
        const name = known.platforms.has(platform) ? null : nearest(platform, platforms);
        if (name !== null) {
          out.push({ path: `${PLATFORMS}.${platform}`, suggestion: `${PLATFORMS}.${name}` });
          continue;
        }
        for (const key of Object.keys(platformBlock)) {
          if (known.platformLeaves.has(key)) continue;
          const leaf = nearest(key, platformLeaves);
          if (leaf !== null)
            out.push({
              path: `${PLATFORMS}.${platform}.${key}`,
              suggestion: `${PLATFORMS}.${platform}.${leaf}`,
            });
        }
      }
      continue;
    }
    const leaves = known.sectionLeaves.get(section) ?? new Set<string>();
    const leafCandidates = candidatesOf(leaves);
    for (const key of Object.keys(block)) {
      if (leaves.has(key)) continue;
      const leaf = nearest(key, leafCandidates);
      if (leaf !== null) out.push({ path: `${section}.${key}`, suggestion: `${section}.${leaf}` });
    }
  }
  return out;
}

/** One line for the operator, naming the key as written and the setting it probably meant. */
export function describeMisspelledYamlKey(key: MisspelledYamlKey): string {
  return `config.yaml: \`${key.path}\` is not a setting read here; did you mean \`${key.suggestion}\`? (ignored)`;
}

interface KnownNames {
  /** Top-level blocks (`gateway`, `platforms`). */
  readonly sections: Set<string>;
  /** Keys read directly under each top-level block but `platforms`. */
  readonly sectionLeaves: Map<string, Set<string>>;
  /** Platform names read under `platforms`. */
  readonly platforms: Set<string>;
  /** Keys read under any `platforms.<name>` (a key of one platform is a fine name for another). */
  readonly platformLeaves: Set<string>;
}

function knownNames(paths: Iterable<string>): KnownNames {
  const known: KnownNames = {
    sections: new Set(),
    sectionLeaves: new Map(),
    platforms: new Set(),
    platformLeaves: new Set(),
  };
  for (const path of paths) {
    const parts = path.split(".");
    const [section, second, third] = parts;
    if (section === undefined || second === undefined) continue;
    known.sections.add(section);
    if (section === PLATFORMS) {
      known.platforms.add(second);
      if (third !== undefined && parts.length === 3) known.platformLeaves.add(third);
    } else if (parts.length === 2) {
      let leaves = known.sectionLeaves.get(section);
      if (leaves === undefined) known.sectionLeaves.set(section, (leaves = new Set()));
      leaves.add(second);
    }
  }
  return known;
}

const normalize = (name: string): string => name.toLowerCase().replaceAll("-", "_");

/** Known names with their normalized form, computed once per set (not once per key compared). */
type Candidates = ReadonlyArray<readonly [name: string, normalized: string]>;
const candidatesOf = (names: Iterable<string>): Candidates =>
  [...names].map((name) => [name, normalize(name)] as const);

/** The known name `name` most likely meant, or null when none is close enough. */
function nearest(name: string, candidates: Candidates): string | null {
  const written = normalize(name);
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const [candidate, target] of candidates) {
    const allowed = Math.max(written.length, target.length) <= 6 ? 1 : 2;
    // Lengths further apart than the allowance cannot be close: skips long keys at no cost.
    if (Math.abs(written.length - target.length) > allowed) continue;
    const d = written === target ? 0 : distance(written, target);
    if (d <= allowed && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
