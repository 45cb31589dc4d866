import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { bundledBinConfig } from "@hermes/tsup-config";
import type { Options } from "tsup";

const { version } = JSON.parse(
  readFileSync(new URL("./package.json", import.meta.url), "utf8"),
) as { version: string };

// Command bodies imported on demand by the command tree (program.ts, main.ts): built as ESM
// files at the same paths under dist/, so the tree's `import("./gateway/status.js")` finds them.
// Not among them, so bundled into the tree (evaluated only when reached): `completion`, and the
// HERMES_HOME store with `photon status`, small and needed by the status commands, which then
// load no ESM at all (photon status) or less of it (gateway status). Every use of
// @hermes/credential-store goes through store.ts, so the process holds one copy of it.
const COMMAND_BODIES = [
  "doctor/doctor",
  "gateway/enroll",
  "gateway/status",
  "gateway/unenroll",
  "photon/api-binding",
  "photon/login",
  "photon/setup",
  "photon/webhook",
  "ui/browser",
];
const isCommandBody = (path: string): boolean =>
  COMMAND_BODIES.some((body) => path === `./${body}.js`);

// Two bundles, every dependency inlined (start-up is measured in bench/cli-startup.mjs):
// - dist/cli.cjs, the bin: the command tree (commander, help, parsing) as one CommonJS file.
//   Node runs CommonJS without initialising its ESM loader, which alone costs about a quarter
//   of `node -e 0` on Node 20; `--help`, `--version` and usage errors never load anything else.
// - the command bodies: ESM, split into shared chunks, loaded by `import()` when a command runs.
//   (They share errors.ts with the tree by value, not by identity: see CliError's brand.)
// The iMessage SDK is not bundled: `photon setup`'s connection check loads it with import() (so
// no other command pays for it), it reads its endpoints from the environment when it loads, and
// finds its .proto files next to its own package. (noExternal wins over external in tsup, hence
// the exclusion inside the pattern; the gateway bundles it the same way.)
const shared = {
  minify: true,
  removeNodeProtocol: false,
  noExternal: [/^(?!spectrum-ts(?:\/|$)|@spectrum-ts\/|@photon-ai\/|@grpc\/)/],
  external: [/^spectrum-ts(?:\/|$)/, /^@spectrum-ts\//, /^@photon-ai\//, /^@grpc\//],
  define: { __HERMES_CLI_VERSION__: JSON.stringify(version) },
};

const commanderWithoutChildProcess: NonNullable<Options["esbuildPlugins"]>[number] = {
  // commander requires child_process only for executable subcommands (`hermes-foo`
  // files), which hermes never declares; loading the real module costs start-up for
  // every command. Reaching this stub would be a bug, and it says so.
  name: "commander-without-child-process",
  setup(build) {
    build.onResolve({ filter: /^(?:node:)?child_process$/ }, (args) =>
      args.kind === "require-call" && /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: "child_process", namespace: "commander-stub" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "commander-stub" }, () => ({
      contents:
        'module.exports = { spawn() { throw new Error("hermes: executable subcommands are not supported"); } };',
      loader: "js",
    }));
  },
};

const commandTree = bundledBinConfig(
  { cli: "src/cli.ts" },
  {
    ...shared,
    format: ["cjs"],
    // CommonJS has a real `require` (the preset's createRequire banner is for ESM).
    banner: { js: "#!/usr/bin/env node" },
    // Two configs build into one dist/: the package's build script empties it first.
    clean: false,
    esbuildPlugins: [
      commanderWithoutChildProcess,
      {
        name: "command-bodies-external",
        setup(build) {
          build.onResolve({ filter: /^\.\// }, (args) =>
            args.kind === "dynamic-import" && isCommandBody(args.path)
              ? { path: args.path, external: true }
              : undefined,
          );
        },
      },
    ],
  },
);

const commandBodies = bundledBinConfig(
  Object.fromEntries(COMMAND_BODIES.map((body) => [body, `src/${body}.ts`])),
  {
    ...shared,
    clean: false,
    // Bundled CommonJS code (commander, yaml, graceful-fs, proper-lockfile) calls `require()`
    // only for Node builtins (everything else is bundled): serve them with
    // process.getBuiltinModule (Node ≥ 20.16), the real builtin objects without initialising
    // the CommonJS loader (createRequire), a measurable share of start-up. (Replaces the
    // preset's createRequire banner.)
    banner: {
      js: "const require = (id) => { const builtin = process.getBuiltinModule(id); if (builtin === undefined) throw new Error(`hermes: cannot require ${id}`); return builtin; };",
    },
    esbuildPlugins: [
      {
        // yaml's "node" export is its CommonJS build: bundled, all of it is evaluated at load.
        // Its ESM build (the package's "default" export, the same code) lets esbuild keep only
        // what @hermes/settings uses (parseDocument), and load it as ESM.
        name: "yaml-esm-build",
        setup(build) {
          build.onResolve({ filter: /^yaml$/ }, async (args) => {
            const pkg = await build.resolve("yaml/package.json", {
              resolveDir: args.resolveDir,
              kind: "import-statement",
            });
            if (pkg.errors.length > 0) return { errors: pkg.errors };
            return { path: join(dirname(pkg.path), "browser", "index.js") };
          });
        },
      },
    ],
  },
);

export default [commandTree, commandBodies];
