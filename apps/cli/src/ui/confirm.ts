// A yes/no question for destructive steps. Only asked when stdin is a terminal; a script must
// say yes explicitly (`--yes` / `--force`), so nothing is replaced or deleted by accident.
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";

export interface ConfirmOptions {
  /** The flag that answers yes in scripts, named in the error when there is no terminal. */
  readonly flag: string;
  /** What was not done, for the "declined" and "no terminal" messages. */
  readonly unchanged: string;
}

/** Resolves when confirmed (or `yes`); throws a CliError (`declined` / `confirmation-required`) otherwise. */
export async function confirmOrThrow(
  ctx: CliContext,
  question: string,
  yes: boolean,
  opts: ConfirmOptions,
): Promise<void> {
  if (yes) return;
  if (!ctx.stdinIsTTY) {
    throw new CliError(
      "confirmation-required",
      `${question} Pass ${opts.flag} to confirm (no terminal to ask on).`,
      {
        hints: [opts.unchanged],
      },
    );
  }
  const answer = (await ctx.prompt(`${question} [y/N] `)).trim().toLowerCase();
  if (answer !== "y" && answer !== "yes")
    throw new CliError("declined", `Not confirmed. ${opts.unchanged}`);
}
