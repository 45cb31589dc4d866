// `hermes completion <bash|zsh|fish>`: the script from @hermes/cli-completion, with an unknown
// shell reported as a usage error (commander's argument choices normally catch it first).
import { completionScript as scriptFor, UnknownShellError } from "@hermes/cli-completion";
import type { Command } from "commander";
import { UsageError } from "./errors.js";

/** The completion script for `shell`; a UsageError for any other shell. */
export function completionScript(program: Command, shell: string): string {
  try {
    return scriptFor(program, shell);
  } catch (e) {
    if (e instanceof UnknownShellError) throw new UsageError(e.message);
    throw e;
  }
}
