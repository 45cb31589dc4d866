import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { defineConfig } from "tsup";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version: string };

// One bundled ESM entry with a shebang: every dependency is inlined so `hermes` starts without
// resolving a module tree (start-up is measured in bench/cli-startup.mjs). Command
// implementations are split into chunks loaded on demand.
export default defineConfig({
  entry: { cli: "src/cli.ts" },
  format: ["esm"],
  clean: true,
  sourcemap: true,
  minify: true,
  target: "node20",
  platform: "node",
  removeNodeProtocol: false,
  // Bundled CommonJS code (graceful-fs, proper-lockfile: writers only) needs a real `require`.
  // It is created on first call: every chunk carries this banner, and creating it eagerly
  // (a Module per chunk, import.meta initialised) is a measurable share of start-up.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __hermesCreateRequire } from 'node:module'; let __hermesRequire; const require = (id) => (__hermesRequire ??= __hermesCreateRequire(import.meta.url))(id);",
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
          const pkg = await build.resolve("yaml/package.json", { resolveDir: args.resolveDir, kind: "import-statement" });
          if (pkg.errors.length > 0) return { errors: pkg.errors };
          return { path: join(dirname(pkg.path), "browser", "index.js") };
        });
      },
    },
    {
      // Bundled CommonJS dependencies (commander, yaml) `require()` Node builtins through the
      // createRequire banner; the first such call initialises the CommonJS loader, a
      // measurable share of start-up. Serve those builtins as ESM re-exports instead (or
      // defer them until first use, see below).
      name: "esm-builtins-for-bundled-cjs",
      setup(build) {
        const builtins = /^(?:node:)?(events|fs|path|process|child_process|buffer|tty|os|util)$/;
        build.onResolve({ filter: builtins }, (args) => {
          // Only packages known to read (never patch) these builtins; anything else (e.g.
          // graceful-fs, which patches fs) keeps the real require.
          if (args.kind !== "require-call" || !/[\\/]node_modules[\\/](?:commander|yaml|nanospinner)[\\/]/.test(args.importer)) return undefined;
          const name = builtins.exec(args.path)?.[1] ?? "";
          return { path: name, namespace: "hermes-builtin" };
        });
        build.onLoad({ filter: /.*/, namespace: "hermes-builtin" }, (args) => {
          if (args.path === "process") return { contents: "module.exports = process;", loader: "js" };
          if (args.path === "child_process") {
            // commander needs child_process only for executable subcommands (`hermes-foo`
            // files), which hermes never declares; loading the real module costs start-up
            // for every command. Reaching this would be a bug, and it says so.
            return {
              contents: `const unused = () => { throw new Error("hermes: executable subcommands are not supported"); };
module.exports = { spawn: unused };`,
              loader: "js",
            };
          }
          // Named exports for `require(x).name`, default for `__importDefault(require(x))`.
          return { contents: `export * from "node:${args.path}"; export { default } from "node:${args.path}";`, loader: "js" };
        });
      },
    },
  ],
});
