import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { bundledBinConfig, yamlOnFirstUse } from "@hermes/tsup-config";
import type { Options } from "tsup";

const { version } = JSON.parse(
  readFileSync(new URL("./package.json", import.meta.url), "utf8"),
) as { version: string };

// Command bodies loaded on demand by the command tree (program.ts, main.ts): each built as a
// self-contained CommonJS file at the same path under dist/ (`import("./gateway/status.js")`
// in the tree becomes `require("./gateway/status.cjs")`). Shared code is copied into each
// body that uses it, except @hermes/credential-store: every use goes through home/home.ts (the
// store and its Photon view), so a process holds one copy of it.
const COMMAND_BODIES = [
  "doctor/doctor",
  "gateway/enroll",
  "gateway/status",
  "gateway/status-check",
  "gateway/unenroll",
  "home/home",
  "photon/api-binding",
  "photon/login",
  "photon/setup",
  "photon/status",
  "photon/webhook",
  "ui/browser",
];
const isCommandBody = (path: string): boolean =>
  COMMAND_BODIES.some((body) => path === `./${body}.js`);

// Two kinds of bundle, every dependency inlined, all CommonJS (start-up is measured in
// bench/cli-startup.mjs): Node runs CommonJS without starting its ESM loader, which alone costs
// about a fifth of `node -e 0` on Node 20, and `require()` of a CommonJS file skips the export
// scan that `import()` of one runs.
// - dist/cli.cjs, the bin: the command tree (commander, help, parsing, completion) only;
//   `--help`, `--version` and usage errors never load anything else.
// - the command bodies, each one file (no shared chunks: esbuild cannot split CommonJS), so a
//   command compiles only its own code. (They share errors.ts with the tree by value, not by
//   identity: see CliError's brand.)
// @hermes/photon-channel is not bundled but required at run time (its CommonJS build): it loads
// the iMessage SDK (ESM-only) with a real import(), which the bodies' import()-to-require()
// rewrite below would break, and only `photon setup`'s connection check requires it.
const shared = {
  minify: true,
  removeNodeProtocol: false,
  noExternal: [/^(?!@hermes\/photon-channel(?:\/|$))/],
  external: [/^@hermes\/photon-channel(?:\/|$)/],
  define: { __HERMES_CLI_VERSION__: JSON.stringify(version) },
  // `import()` of a command body becomes `require()`: importing a CommonJS file starts Node's
  // ESM loader and runs its CommonJS export scanner over the whole file (tens of ms for a
  // 200 KB body); require() does neither.
  esbuildOptions(options: Parameters<NonNullable<Options["esbuildOptions"]>>[0]) {
    options.supported = { ...options.supported, "dynamic-import": false };
  },
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

const picocolorsWithoutStdoutProbe: NonNullable<Options["esbuildPlugins"]>[number] = {
  // picocolors computes a module-level default (`isColorSupported`) from process.stdout.isTTY
  // when it is loaded, which creates process.stdout (the stream stack: a measurable share of
  // start-up) even for a command that prints nothing. The CLI never uses that default: colour
  // is decided per stream with createColors(enabled) (src/ui/colors.ts). The probe is replaced
  // by `false`; a picocolors whose source no longer matches fails the build.
  name: "picocolors-without-stdout-probe",
  setup(build) {
    build.onLoad({ filter: /[\\/]picocolors[\\/]picocolors\.js$/ }, async (args) => {
      const probe = '((p.stdout || {}).isTTY && env.TERM !== "dumb")';
      const source = await readFile(args.path, "utf8");
      if (!source.includes(probe))
        return { errors: [{ text: `${args.path}: the stdout probe to replace was not found` }] };
      return { contents: source.replace(probe, "false"), loader: "js" };
    });
  },
};

const commandTree = bundledBinConfig(
  // The bin (`--version`, then the loader) and the tree it loads through a V8 code cache
  // (src/code-cache.ts): two self-contained files.
  { cli: "src/cli.ts", main: "src/main.ts" },
  {
    ...shared,
    format: ["cjs"],
    // CommonJS has a real `require` (the preset's createRequire banner is for ESM). The loader
    // drops the `#!` line of main.cjs (it would not parse inside its function wrapper).
    banner: { js: "#!/usr/bin/env node" },
    // Two configs build into one dist/: the package's build script empties it first.
    clean: false,
    esbuildPlugins: [
      commanderWithoutChildProcess,
      picocolorsWithoutStdoutProbe,
      {
        name: "command-bodies-external",
        setup(build) {
          build.onResolve({ filter: /^\.\// }, (args) =>
            args.kind === "dynamic-import" && isCommandBody(args.path)
              ? { path: args.path.replace(/\.js$/, ".cjs"), external: true }
              : undefined,
          );
        },
      },
    ],
  },
);

// Every body sits one folder below dist/ (so `../config-yaml.cjs` is the same file for all).
if (!COMMAND_BODIES.every((body) => /^[\w-]+\/[\w-]+$/.test(body)))
  throw new Error("tsup.config.ts: a command body must be <folder>/<name>");

// The YAML parser is ~100 KB whose loading alone costs about 0.4× `node -e 0`, and a config.yaml
// is optional: inside the command bodies `yaml` is a stand-in that requires dist/config-yaml.cjs
// on the first parse (@hermes/tsup-config's yamlOnFirstUse); src/config-yaml.ts itself gets the
// real package.
const yamlBuild = yamlOnFirstUse({
  parserFile: "../config-yaml.cjs",
  parserModule: "src/config-yaml.ts",
});

const commandBodies = bundledBinConfig(
  {
    ...Object.fromEntries(COMMAND_BODIES.map((body) => [body, `src/${body}.ts`])),
    "config-yaml": "src/config-yaml.ts",
  },
  {
    ...shared,
    format: ["cjs"],
    clean: false,
    // CommonJS has a real `require` for the builtins (no banner).
    banner: {},
    esbuildPlugins: [yamlBuild, picocolorsWithoutStdoutProbe],
  },
);

export default [commandTree, commandBodies];
