import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { bundledBinConfig } from "@hermes/tsup-config";

const { version } = JSON.parse(
  readFileSync(new URL("./package.json", import.meta.url), "utf8"),
) as { version: string };

// One bundled ESM entry with a shebang: every dependency is inlined so `hermes` starts without
// resolving a module tree (start-up is measured in bench/cli-startup.mjs). Command
// implementations are split into chunks loaded on demand.
export default bundledBinConfig(
  { cli: "src/cli.ts" },
  {
    minify: true,
    removeNodeProtocol: false,
    // Bundled CommonJS code (commander, yaml, graceful-fs, proper-lockfile) calls `require()`
    // only for Node builtins (everything else is bundled): serve them with
    // process.getBuiltinModule (Node ≥ 20.16), the real builtin objects without initialising
    // the CommonJS loader (createRequire), a measurable share of start-up. (Replaces the
    // preset's createRequire banner.)
    banner: {
      js: "#!/usr/bin/env node\nconst require = (id) => { const builtin = process.getBuiltinModule(id); if (builtin === undefined) throw new Error(`hermes: cannot require ${id}`); return builtin; };",
    },
    noExternal: [/.*/],
    define: { __HERMES_CLI_VERSION__: JSON.stringify(version) },
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
      {
        // commander requires child_process only for executable subcommands (`hermes-foo`
        // files), which hermes never declares; loading the real module costs start-up for
        // every command. Reaching this stub would be a bug, and it says so.
        name: "commander-without-child-process",
        setup(build) {
          build.onResolve({ filter: /^(?:node:)?child_process$/ }, (args) =>
            args.kind === "require-call" &&
            /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
              ? { path: "child_process", namespace: "commander-stub" }
              : undefined,
          );
          build.onLoad({ filter: /.*/, namespace: "commander-stub" }, () => ({
            contents:
              'module.exports = { spawn() { throw new Error("hermes: executable subcommands are not supported"); } };',
            loader: "js",
          }));
        },
      },
    ],
  },
);
