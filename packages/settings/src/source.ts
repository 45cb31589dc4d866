// The layered source: the real environment, then `$HERMES_HOME/.env` (never overriding the
// environment), then config.yaml, then the caller's default. Values are trimmed in every layer
// and an empty value counts as unset, so `FOO=" "` falls through to the next layer exactly as
// an absent FOO does. Nothing here reads process.env or the disk by itself: the caller passes
// the environment and the file texts (or a readFile) in.
import { join } from "node:path";
import { describeReadFailure, parseDotenv } from "@hermes/credential-store";
import { isMap, isScalar, isSeq, parseDocument, type YAMLError } from "yaml";
import { SettingsError, type SettingSource } from "./errors.js";
import { createSecretScrubber } from "./scrub.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** A value that remembers where it came from: `key` is the env var or `section.key` ("" for defaults). */
export interface Sourced<T> {
  readonly value: T;
  readonly source: SettingSource;
  readonly key: string;
}

/** Where a setting may be given: an env var (also read from `.env`) and/or a dotted config.yaml path. */
export interface SettingKey {
  readonly env?: string;
  readonly yaml?: string;
}

/** A command-line flag standing in for an env var: `{ GATEWAY_AGENT: { flag: "--agent", value } }`. */
export type FlagLayer = Readonly<
  Record<string, { readonly flag: string; readonly value: string | undefined }>
>;

export interface SettingsLayers {
  /** Flags over everything else, keyed by the env var they stand for; reported as `--flag (from flag)`. */
  readonly flags?: FlagLayer;
  readonly env: Env;
  /** `.env` as text (parsed with credential-store's parseDotenv) or already parsed; null when absent. */
  readonly dotenv: string | ReadonlyMap<string, string> | null;
  /** config.yaml as text; null when absent. */
  readonly yamlText: string | null;
  /** Path of config.yaml, for messages. */
  readonly yamlPath?: string;
  /** Keys that hold secrets: their values (from every layer) are scrubbed from errors. */
  readonly secretKeys?: readonly SettingKey[];
}

export class SettingsSource {
  /** config.yaml's problem, if any; its values are then ignored (callers decide whether that is fatal). */
  readonly yamlError: SettingsError | null;
  readonly #flags: FlagLayer;
  readonly #env: Env;
  readonly #dotenv: ReadonlyMap<string, string>;
  readonly #yaml: Readonly<Record<string, unknown>>;
  readonly #secretKeys: readonly SettingKey[];
  /** Every dotted config.yaml path a resolver asked for: what `misspelledYamlKeys` knows as settings. */
  readonly #yamlPathsRead = new Set<string>();

  constructor(layers: SettingsLayers) {
    this.#flags = layers.flags ?? {};
    this.#env = layers.env;
    this.#dotenv =
      typeof layers.dotenv === "string" ? parseDotenv(layers.dotenv) : (layers.dotenv ?? new Map());
    this.#secretKeys = layers.secretKeys ?? [];
    const parsed =
      layers.yamlText === null ? { ok: true as const, doc: {} } : parseYamlMapping(layers.yamlText);
    if (parsed.ok) {
      this.#yaml = parsed.doc;
      this.yamlError = null;
    } else {
      this.#yaml = {};
      // The message never quotes the file; scrub anyway with what is known (env and .env secrets).
      const scrub = createSecretScrubber(this.secretValues());
      this.yamlError = new SettingsError(
        "SETTINGS_YAML_INVALID",
        "config.yaml",
        layers.yamlPath ?? "config.yaml",
        scrub(parsed.detail),
      );
    }
  }

  /** The flag standing for the env var, else the real environment, else `.env`; trimmed, empty = unset. */
  env(name: string): Sourced<string> | null {
    const flag = this.#flags[name];
    const fromFlag = flag?.value?.trim();
    if (flag && fromFlag) return { value: fromFlag, source: "flag", key: flag.flag };
    const fromEnv = this.#env[name]?.trim();
    if (fromEnv) return { value: fromEnv, source: "env", key: name };
    const fromFile = this.#dotenv.get(name)?.trim();
    if (fromFile) return { value: fromFile, source: ".env", key: name };
    return null;
  }

  /** The config.yaml node at a dotted path (`gateway.relay_url`); strings trimmed; null, `~` and "" = unset. */
  yaml(path: string): Sourced<unknown> | null {
    this.#yamlPathsRead.add(path);
    let node: unknown = this.#yaml;
    for (const part of path.split(".")) {
      const rec = asRecord(node);
      if (rec === null || !Object.hasOwn(rec, part)) return null;
      node = rec[part];
    }
    if (node === undefined || node === null) return null;
    if (typeof node === "string") {
      const v = node.trim();
      return v === "" ? null : { value: v, source: "config.yaml", key: path };
    }
    return { value: node, source: "config.yaml", key: path };
  }

  /** The dotted config.yaml paths read so far (by `yaml` or `get`), whether set or not. */
  yamlPathsRead(): ReadonlySet<string> {
    return this.#yamlPathsRead;
  }

  /** config.yaml as parsed (`{}` when absent or unusable); read-only use. */
  yamlDocument(): Readonly<Record<string, unknown>> {
    return this.#yaml;
  }

  /** env → .env → config.yaml, the first layer that sets the key. */
  get(key: SettingKey): Sourced<unknown> | null {
    // Known even when the env var shadows it: config.yaml may still hold it.
    if (key.yaml !== undefined) this.#yamlPathsRead.add(key.yaml);
    return (
      (key.env !== undefined ? this.env(key.env) : null) ??
      (key.yaml !== undefined ? this.yaml(key.yaml) : null)
    );
  }

  /** Names set in the environment or `.env` (flags stand for names already listed) (e.g. to find every `<PLATFORM>_ALLOWED_USERS`). */
  envNames(): string[] {
    return [...new Set([...Object.keys(this.#env), ...this.#dotenv.keys()])];
  }

  /** Every value any layer holds for a secret key, shadowed or not: what a scrubber must hide. */
  secretValues(): string[] {
    const out = new Set<string>();
    for (const key of this.#secretKeys) {
      if (key.env !== undefined) {
        for (const v of [
          this.#flags[key.env]?.value,
          this.#env[key.env],
          this.#dotenv.get(key.env),
        ])
          if (v !== undefined && v.trim() !== "") out.add(v.trim());
      }
      const y = key.yaml !== undefined ? this.yaml(key.yaml) : null;
      if (y !== null && typeof y.value === "string") out.add(y.value);
    }
    return [...out];
  }
}

export interface ReadSettingsOptions {
  readonly flags?: FlagLayer;
  readonly env: Env;
  /** The Hermes home (`resolveHermesHome` from @hermes/credential-store). */
  readonly home: string;
  /** Reads a file as UTF-8; returns null when it does not exist, throws when it cannot be read. */
  readonly readFile: (path: string) => string | null;
  readonly secretKeys?: readonly SettingKey[];
}

/**
 * Reads `<home>/.env` and `<home>/config.yaml` through `readFile` and layers them under `env`.
 * A file that exists but cannot be read throws SETTINGS_FILE_UNREADABLE (its path, never its text).
 */
export function readSettingsSource(opts: ReadSettingsOptions): SettingsSource {
  const read = (name: string): string | null => {
    const path = join(opts.home, name);
    try {
      return opts.readFile(path);
    } catch (e) {
      throw new SettingsError(
        "SETTINGS_FILE_UNREADABLE",
        name,
        path,
        `cannot be read (${describeReadFailure(e)})`,
      );
    }
  };
  const yamlPath = join(opts.home, "config.yaml");
  return new SettingsSource({
    ...(opts.flags !== undefined ? { flags: opts.flags } : {}),
    env: opts.env,
    dotenv: read(".env"),
    yamlText: read("config.yaml"),
    yamlPath,
    ...(opts.secretKeys !== undefined ? { secretKeys: opts.secretKeys } : {}),
  });
}

// Descriptions of the yaml package's error codes. The package's own messages can quote the
// source (`Unexpected scalar token in YAML stream: "…"`, duplicate keys, tags), and a line of
// config.yaml may hold a secret, so only the code's description and the position are shown.
const YAML_PROBLEMS: Readonly<Record<string, string>> = {
  BAD_INDENT: "bad indentation or an unclosed [ or {",
  TAB_AS_INDENT: "a tab used for indentation",
  DUPLICATE_KEY: "a key repeated in one mapping",
  MISSING_CHAR: "a missing closing character (quote, bracket or brace)",
  UNEXPECTED_TOKEN: "unexpected text",
  MULTILINE_IMPLICIT_KEY: "a key spread over several lines",
  BLOCK_AS_IMPLICIT_KEY: "a block used as a key",
  BLOCK_IN_FLOW: "a block inside a [ ] or { } collection",
  BAD_DQ_ESCAPE: "a bad escape in a double-quoted string",
  BAD_SCALAR_START: "a value that cannot start with this character",
  MULTIPLE_DOCS: "more than one YAML document",
  // The yaml library gives this code for an alias bomb and for nesting too deep to parse.
  RESOURCE_EXHAUSTION:
    "nesting too deep or too many aliases (refused as a resource exhaustion attack)",
};

function parseYamlMapping(
  text: string,
): { ok: true; doc: Record<string, unknown> } | { ok: false; detail: string } {
  const fix = "; fix or remove the file";
  try {
    // yaml's own duplicate-key check (`uniqueKeys: true`) compares each key with every earlier
    // key of its mapping: quadratic, so a config.yaml of 100k keys (1.7 MB) took minutes.
    // Repeated keys are found here in one pass (`repeatedKeys`) and reported as yaml did.
    const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
    const first =
      repeatedKeys(doc.contents).size === 0
        ? (doc.errors[0] ?? null)
        : firstErrorWithRepeatedKeys(text);
    if (first !== null) {
      const where = position(text, first.pos[0]);
      return {
        ok: false,
        detail: `not valid YAML: ${YAML_PROBLEMS[first.code] ?? "a syntax error"} (${first.code})${where}${fix}`,
      };
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return { ok: true, doc: {} };
    const rec = asRecord(value);
    if (rec === null)
      return { ok: false, detail: `expected a YAML mapping (key: value) at the top level${fix}` };
    const block = misshapenBlock(rec);
    if (block !== null) return { ok: false, detail: `${block}${fix}` };
    return { ok: true, doc: rec };
  } catch (e) {
    // toJS throws a ReferenceError for excessive aliases; never echo its message.
    const code =
      typeof (e as { code?: unknown }).code === "string"
        ? ` (${(e as { code: string }).code})`
        : "";
    return { ok: false, detail: `not valid YAML${code}${fix}` };
  }
}

/**
 * The keys that repeat an earlier key of their mapping, compared as yaml's `uniqueKeys: true`
 * compares them: scalars by value with `===` (`1` and `1.0` are one key, `1` and `"1"` two,
 * `.nan` never repeats; `<<` is an ordinary key, merge keys being off), any other key (an alias,
 * a collection) only with itself, so never. Linear: one Set of the values seen per mapping, and
 * an explicit stack, not recursion.
 */
function repeatedKeys(root: unknown): Set<unknown> {
  const repeated = new Set<unknown>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        stack.push(pair.key, pair.value);
        const key = pair.key;
        if (!isScalar(key) || Number.isNaN(key.value)) continue;
        if (seen.has(key.value)) repeated.add(key);
        else seen.add(key.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return repeated;
}

/**
 * The first error yaml's `uniqueKeys: true` reports for a text with a repeated key: the same
 * code, at the same offset, in the same order among syntax errors. Parsed again with a check
 * that says "repeated" at once (one call per key, so linear): yaml then reports DUPLICATE_KEY
 * for every key after the first of each mapping, in order, and the ones `repeatedKeys` does not
 * confirm are dropped.
 */
function firstErrorWithRepeatedKeys(text: string): YAMLError | null {
  const checked: unknown[] = [];
  const doc = parseDocument(text, {
    prettyErrors: false,
    uniqueKeys: (_earlier, key) => {
      checked.push(key);
      return true;
    },
  });
  const repeated = repeatedKeys(doc.contents);
  let check = 0;
  for (const error of doc.errors) {
    if (error.code !== "DUPLICATE_KEY" || repeated.has(checked[check++])) return error;
  }
  return null;
}

/**
 * The `gateway:` block, the `platforms:` block and each `platforms.<name>:` hold settings
 * (docs/contract/hermes-home.md): one that is a list or a scalar would hold none, and every
 * setting under it would silently fall back to its default. Null when the shape is right.
 */
function misshapenBlock(doc: Record<string, unknown>): string | null {
  const blocks: Array<[string, unknown]> = [
    ["gateway", doc["gateway"]],
    ["platforms", doc["platforms"]],
  ];
  const platforms = asRecord(doc["platforms"]);
  if (platforms !== null)
    for (const [name, value] of Object.entries(platforms))
      blocks.push([`platforms.${name}`, value]);
  for (const [name, value] of blocks) {
    if (value === null || value === undefined || asRecord(value) !== null) continue;
    const got = Array.isArray(value) ? "a list" : `a ${typeof value}`;
    return `\`${name}\` must be a mapping of settings (key: value), not ${got}`;
  }
  return null;
}

/** ` at line L, column C` of a character offset (1-based, as editors count). */
function position(text: string, offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > text.length) return "";
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return ` at line ${line}, column ${offset - lineStart + 1}`;
}

export function asRecord(v: unknown): Record<string, unknown> | null {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : null;
}
