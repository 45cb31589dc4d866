// hermes-gateway: command tree. Exit codes: 0 ok, 1 failure / not implemented yet,
// 2 invalid configuration or usage.
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ConfigError } from "./config/errors.js";
import { resolveConfig } from "./config/resolve.js";
import { describeConfig } from "./config/summary.js";

declare const __GATEWAY_VERSION__: string | undefined;
const VERSION = typeof __GATEWAY_VERSION__ === "string" ? __GATEWAY_VERSION__ : "0.0.0-dev";

export const EXIT = { ok: 0, failure: 1, config: 2 } as const;

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ConfigError(path, "file", `cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}); check its permissions`);
  }
}

function notImplemented(what: string): never {
  process.stderr.write(`hermes-gateway: ${what} is not implemented yet in this build (see the README's "Not wired yet").\n`);
  process.exit(EXIT.failure);
}

const program = new Command()
  .name("hermes-gateway")
  .description("The daemon that runs the Hermes relay link and hands messages to an agent.")
  .version(VERSION, "-V, --version")
  .exitOverride()
  .showHelpAfterError();

program
  .command("run")
  .description("Resolve configuration (env > $HERMES_HOME/.env > config.yaml > defaults) and run the gateway")
  .option("--check", "validate and print the resolved configuration (secrets hidden), then exit 0")
  .action((opts: { check?: boolean }) => {
    let config;
    try {
      config = resolveConfig({ env: process.env, readFile: readIfExists });
    } catch (e) {
      if (e instanceof ConfigError) {
        process.stderr.write(`hermes-gateway: ${e.message}\n`);
        process.exit(EXIT.config);
      }
      throw e;
    }
    for (const w of config.warnings) process.stderr.write(`hermes-gateway: warning: ${w}\n`);
    if (opts.check) {
      process.stdout.write(describeConfig(config).join("\n") + "\n");
      process.exit(EXIT.ok);
    }
    notImplemented("the relay link (`run` without --check)");
  });

program
  .command("dev")
  .description("Embedded default: an in-process reference connector and a simulated chat (not implemented yet)")
  .option("--script <messages...>", "send these messages non-interactively, print replies, exit")
  .option("--verbose", "print the frames")
  .action(() => notImplemented("`dev`"));

program
  .command("dev-connector")
  .description("The reference connector alone, for testing gateways in any language (not implemented yet)")
  .option("--port <n>", "port on 127.0.0.1")
  .option("--gateway <id:secret...>", "accepted gateway credentials")
  .action(() => notImplemented("`dev-connector`"));

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? EXIT.ok : EXIT.config);
  }
  process.stderr.write(`hermes-gateway: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(EXIT.failure);
}
