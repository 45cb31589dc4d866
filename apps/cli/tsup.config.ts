import { readFileSync } from "node:fs";
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
    noExternal: [/.*/],
    define: { __HERMES_CLI_VERSION__: JSON.stringify(version) },
    esbuildPlugins: [
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
            if (
              args.kind !== "require-call" ||
              !/[\\/]node_modules[\\/](?:commander|yaml|nanospinner)[\\/]/.test(args.importer)
            )
              return undefined;
            const name = builtins.exec(args.path)?.[1] ?? "";
            return { path: name, namespace: "hermes-builtin" };
          });
          build.onLoad({ filter: /.*/, namespace: "hermes-builtin" }, (args) => {
            if (args.path === "process")
              return { contents: "module.exports = process;", loader: "js" };
            if (args.path === "child_process" || args.path === "fs" || args.path === "path") {
              // commander reads these only for executable subcommands / script names, which
              // hermes never uses: load them (through the real require) on first property access.
              return {
                contents: `module.exports = new Proxy({}, { get: (_, key) => require("node:${args.path}")[key] });`,
                loader: "js",
              };
            }
            // Named exports for `require(x).name`, default for `__importDefault(require(x))`.
            return {
              contents: `export * from "node:${args.path}"; export { default } from "node:${args.path}";`,
              loader: "js",
            };
          });
        },
      },
    ],
  },
);
