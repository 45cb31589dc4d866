// Every failure the CLI reports is a CliError: a stable `code`, the exit status, the message
// (one line, never a secret) and the next step to take. `run()` prints them as `✗ message`.

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** Ctrl-C: the shell convention (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

// The command tree (dist/cli.cjs) and the command bodies (ESM files beside it) are separate
// bundles, each with its own copy of this module: `instanceof CliError` recognises a CliError
// from either copy by this brand (Symbol.for is shared by the whole process).
const CLI_ERROR_BRAND = Symbol.for("@hermes/cli.CliError");

export class CliError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    // Subclasses (UsageError, CancelledError) keep the ordinary prototype check.
    if (this !== CliError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return (
      typeof value === "object" &&
      value !== null &&
      (value as { [CLI_ERROR_BRAND]?: unknown })[CLI_ERROR_BRAND] === true
    );
  }

  readonly code: string;
  readonly exitCode: number;
  /** Extra lines printed under the message: what to do next. */
  readonly hints: readonly string[];

  constructor(
    code: string,
    message: string,
    opts: { hints?: readonly string[]; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "CliError";
    this.code = code;
    this.exitCode = opts.exitCode ?? EXIT_FAILURE;
    this.hints = opts.hints ?? [];
  }
}

Object.defineProperty(CliError.prototype, CLI_ERROR_BRAND, { value: true });

/** Bad or missing flags/arguments: exit status 2. */
export class UsageError extends CliError {
  constructor(message: string, hints: readonly string[] = []) {
    super("usage", message, { hints, exitCode: EXIT_USAGE });
    this.name = "UsageError";
  }
}

/** The user pressed Ctrl-C (or the run was otherwise aborted). */
export class CancelledError extends CliError {
  constructor(what = "Cancelled") {
    super("cancelled", what, { exitCode: EXIT_INTERRUPTED });
    this.name = "CancelledError";
  }
}

/**
 * Text that came from the network or a file, made safe to print on a terminal: control
 * characters (escape sequences could rewrite the screen) replaced, length capped.
 */
export function printable(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex -- control characters are what it removes
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
