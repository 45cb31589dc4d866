// The `hermes` executable. Kept tiny so start-up stays close to `node -e 0`: `--version` is
// answered here, everything else evaluates the command tree (bench/cli-startup.mjs).
import { bundleRequire } from "./code-cache.js";
import type * as Main from "./main.js";
import { standardStream } from "./ui/standard-stream.js";

declare const __HERMES_CLI_VERSION__: string;

const version = typeof __HERMES_CLI_VERSION__ === "string" ? __HERMES_CLI_VERSION__ : "0.0.0-dev";
const argv = process.argv.slice(2);

if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  // `hermes --version | true`: a closed pipe is not an error (see ui/standard-stream.ts).
  standardStream(1, () => process.stdout).write(`${version}\n`);
} else {
  // The command tree is dist/main.cjs beside this file (tsup.config.ts); it and the bodies it
  // requires are compiled through V8 code caches. This entry only ever runs as the built
  // CommonJS bin, where `__dirname` and `require` are the module's own.
  const { main } = bundleRequire(__dirname, require)("./main.cjs") as typeof Main;
  void main(argv, version).then((code) => {
    process.exitCode = code;
  });
}
