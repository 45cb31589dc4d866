import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { type Colors, colorsFor } from "./colors.js";

/** Line-oriented printing with colour decided per stream (stdout may be piped, stderr not). */
export class Output {
  readonly out: Colors;
  readonly err: Colors;

  readonly #ctx: CliContext;

  constructor(ctx: CliContext) {
    this.#ctx = ctx;
    this.out = colorsFor(ctx.stdout, ctx.env);
    this.err = colorsFor(ctx.stderr, ctx.env);
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

  error(error: CliError): void {
    const lines = [`${this.err.red("✗")} ${error.message}`, ...error.hints.map((h) => `  ${h}`)];
    this.#ctx.stderr.write(`${lines.join("\n")}\n`);
  }
}
