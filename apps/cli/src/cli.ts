// The `hermes` executable. Kept tiny so start-up stays close to `node -e 0`: `--version` is
// answered here, everything else evaluates the command tree (bench/cli-startup.mjs).
import { standardStream } from "./ui/standard-stream.js";

declare const __HERMES_CLI_VERSION__: string;

const version = typeof __HERMES_CLI_VERSION__ === "string" ? __HERMES_CLI_VERSION__ : "0.0.0-dev";
const argv = process.argv.slice(2);

if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  // `hermes --version | true`: a closed pipe is not an error (see ui/standard-stream.ts).
  standardStream(1, () => process.stdout).write(`${version}\n`);
} else {
  // No top-level await: this entry is built as CommonJS (see tsup.config.ts).
  void import("./main.js").then(async ({ main }) => {
    process.exitCode = await main(argv, version);
  });
}
