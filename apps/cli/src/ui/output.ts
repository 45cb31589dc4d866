import type { CliContext } from "../context.js";
import type { CliError } from "../errors.js";
import { type Colors, colorsFor } from "./colors.js";

/** The `--json` flag as commander hands it to an action. */
export interface JsonOption {
  json?: boolean | undefined;
}

/** The one help text for `--json`, so every command describes it the same way. */
export const JSON_OPTION_HELP = "print the result as JSON on stdout (errors as JSON on stderr)";

/** What `--json` prints on stderr for a failure: `{"error":{"code","message","hints"}}`. */
export interface JsonErrorBody {
  error: { code: string; message: string; hints: readonly string[] };
}

export function jsonErrorBody(error: Pick<CliError, "code" | "message" | "hints">): JsonErrorBody {
  return { error: { code: error.code, message: error.message, hints: error.hints } };
}

/** Line-oriented printing with colour decided per stream (stdout may be piped, stderr not). */
export class Output {
  readonly #ctx: CliContext;
  #out: Colors | undefined;
  #err: Colors | undefined;

  constructor(ctx: CliContext) {
    this.#ctx = ctx;
  }

  /** Colours for stdout (decided on first use: a stream is only opened when needed). */
  get out(): Colors {
    return (this.#out ??= colorsFor(this.#ctx.stdout, this.#ctx.env));
  }

  /** Colours for stderr. */
  get err(): Colors {
    return (this.#err ??= colorsFor(this.#ctx.stderr, this.#ctx.env));
  }

  line(text = ""): void {
    this.#ctx.stdout.write(`${text}\n`);
  }

  json(value: unknown): void {
    this.#ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  success(text: string): void {
    this.line(`${this.out.green("✓")} ${text}`);
  }

  /** Progress notes go to stderr so stdout stays clean for --json and pipes. */
  note(text: string): void {
    this.#ctx.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.#ctx.stderr.write(`${this.err.yellow("⚠")} ${text}\n`);
  }

  /** `✗ message` and the indented next steps on stderr; with `json`, one JSON object instead. */
  error(error: CliError, json = false): void {
    if (json) {
      this.#ctx.stderr.write(`${JSON.stringify(jsonErrorBody(error))}\n`);
      return;
    }
    const lines = [`${this.err.red("✗")} ${error.message}`, ...error.hints.map((h) => `  ${h}`)];
    this.#ctx.stderr.write(`${lines.join("\n")}\n`);
  }
}

/**
 * The one way a command prints its result: `data` as JSON when `--json` was given, else the
 * human rendering. Commands build `data` first, so both forms always say the same thing.
 */
export function printData<T>(
  ctx: CliContext,
  opts: JsonOption,
  data: T,
  human: (out: Output, data: T) => void,
): void {
  const out = new Output(ctx);
  if (opts.json === true) out.json(data);
  else human(out, data);
}
