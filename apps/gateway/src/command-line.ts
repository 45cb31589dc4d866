// What both `hermes` and `hermes-gateway` promise on the command line (apps/cli's program.ts
// does the same for `hermes`): a closed stdout pipe is not an error; every failure is
// `✗ message` on stderr with the next step indented under it; a parse error points at the
// failing command's own --help instead of dumping it; `help [command...]` works.
import { type Command, CommanderError } from "commander";

/**
 * `hermes-gateway --help | head -1`: Node reports the closed pipe as an 'error' event, which
 * unhandled is a crash with a stack trace. Any error on a standard stream means nothing more
 * can be written to it, so it is ignored and the command ends with its own status.
 */
export function ignoreClosedStdio(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
}

let jsonErrors = false;

/** True when `--json` was given: errors are then one JSON line on stderr. */
export function wantsJson(): boolean {
  return jsonErrors;
}

/**
 * `✗ message` and the indented next steps, on stderr; with `--json`, one line
 * `{"error":{"code","message","hints"}}` instead (the same shape as `hermes … --json`).
 */
export function printError(message: string, hints: readonly string[] = [], code = "error"): void {
  if (jsonErrors) {
    process.stderr.write(`${JSON.stringify({ error: { code, message, hints } })}\n`);
    return;
  }
  process.stderr.write([`✗ ${message}`, ...hints.map((h) => `  ${h}`)].join("\n") + "\n");
}

function commandPath(command: Command): string {
  return command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name();
}

function allCommands(root: Command): Command[] {
  return [root, ...root.commands.flatMap((c) => allCommands(c))];
}

/**
 * Applies the shared style to a finished command tree and parses `argv` (user arguments).
 * Resolves when an action has run; help and version resolve with `0`; a parse error is
 * printed and resolves with `usageExit`.
 */
export async function parseCommandLine(
  program: Command,
  argv: readonly string[],
  usageExit: number,
): Promise<number | null> {
  program.helpCommand("help [command...]", "show help for a command");
  let failed: Command = program;
  for (const command of allCommands(program)) {
    // Parse errors are printed below, in the shared style.
    command.configureOutput({ outputError: () => undefined }).exitOverride((e) => {
      failed = command;
      throw e;
    });
  }
  const end = argv.indexOf("--");
  jsonErrors = (end === -1 ? argv : argv.slice(0, end)).includes("--json");
  // `help run` is `run --help`; a path naming no command is parsed as is (commander says so).
  let args = [...argv];
  if (argv[0] === "help") {
    let command: Command | undefined = program;
    for (const name of argv.slice(1)) command = command?.commands.find((c) => c.name() === name);
    args = command ? [...argv.slice(1), "--help"] : argv.slice(1);
  }
  try {
    await program.parseAsync(args, { from: "user" });
    return null;
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
    if (e.code === "commander.help") return usageExit;
    const message = e.message
      .replace(/^error: /, "")
      .replace(/\n\(Did you mean (.*)\?\)$/, " (Did you mean $1?)");
    const code = e.code.replace(/^commander\./, "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    printError(message, [`Run \`${commandPath(failed)} --help\` for usage.`], code);
    return usageExit;
  }
}
