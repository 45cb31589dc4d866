// Shared tsup presets. Plain JavaScript, like the other tooling packages: tsup bundles a
// package's tsup.config.ts, but leaves bare imports such as this one to Node, which cannot load
// TypeScript on Node 20. The presets are plain objects (tsup's defineConfig is the identity).

import { dirname, join } from "node:path";

/** What every build here shares: Node 20, source maps, a clean dist/. */
const nodeDefaults = {
  clean: true,
  sourcemap: true,
  target: "node20",
  platform: "node",
};

/**
 * A published library: ESM + CJS with `.d.ts`/`.d.cts` for each entry.
 * @param {import("tsup").Options["entry"]} entry
 * @param {import("tsup").Options} [overrides] package-specific options (say why beside them)
 * @returns {import("tsup").Options}
 */
export function libraryConfig(entry, overrides = {}) {
  return {
    entry,
    format: ["esm", "cjs"],
    dts: true,
    ...nodeDefaults,
    ...overrides,
  };
}

/** Shebang plus a `require` for bundled CommonJS code inside an ESM bin. */
export const BIN_BANNER =
  "#!/usr/bin/env node\n" +
  'import { createRequire as __hermesCreateRequire } from "node:module";\n' +
  "const require = __hermesCreateRequire(import.meta.url);";

/**
 * A bin shipped as one ESM file with a shebang. Bundled CommonJS dependencies call `require()`
 * for Node built-ins, so the banner gives the ESM bundle a real `require`.
 * @param {import("tsup").Options["entry"]} entry
 * @param {import("tsup").Options} [overrides]
 * @returns {import("tsup").Options}
 */
export function bundledBinConfig(entry, overrides = {}) {
  return {
    entry,
    format: ["esm"],
    ...nodeDefaults,
    banner: { js: BIN_BANNER },
    ...overrides,
  };
}

/**
 * What the stand-in offers of `yaml`, each a function that loads the parser on its first call:
 * the parser module (`parserModule`) must export the same names. The node checks (`isMap`, …)
 * are only ever called on a document parseDocument returned, so the parser is loaded by then.
 */
export const YAML_EXPORTS = ["parseDocument", "isMap", "isScalar", "isSeq"];

/**
 * An esbuild plugin that keeps the YAML parser out of a bin's start-up. The parser is the largest
 * single dependency of the bins (loading it costs ~0.4× `node -e 0`), and config.yaml is
 * optional: @hermes/settings calls `parseDocument` only when the file exists. So in the bundles
 * built with this plugin, `yaml` is a stand-in whose `parseDocument` requires `parserFile` (a
 * CommonJS file of its own in dist/) on its first call. The module at `parserModule` (a path
 * ending, e.g. `src/config-yaml.ts`, which re-exports YAML_EXPORTS) gets the real package,
 * from yaml's ESM build so that esbuild keeps only what `parseDocument` uses; build it into
 * `parserFile` with this plugin too.
 * @param {{ parserFile: string, parserModule: string }} opts `parserFile` as required from the
 *   bundles (relative to them: `./config-yaml.cjs`, `../config-yaml.cjs`)
 * @returns {NonNullable<import("tsup").Options["esbuildPlugins"]>[number]}
 */
export function yamlOnFirstUse({ parserFile, parserModule }) {
  const escaped = parserFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return {
    name: "yaml-on-first-use",
    setup(build) {
      build.onResolve({ filter: /^yaml$/ }, async (args) => {
        if (!args.importer.endsWith(join(...parserModule.split("/"))))
          return { path: "yaml", namespace: "yaml-on-first-use" };
        const pkg = await build.resolve("yaml/package.json", {
          resolveDir: args.resolveDir,
          kind: "import-statement",
        });
        if (pkg.errors.length > 0) return { errors: pkg.errors };
        return { path: join(dirname(pkg.path), "browser", "index.js") };
      });
      build.onResolve({ filter: new RegExp(`^${escaped}$`) }, (args) => ({
        path: args.path,
        external: true,
      }));
      build.onLoad({ filter: /.*/, namespace: "yaml-on-first-use" }, () => ({
        contents: [
          "let yaml;",
          `const parser = () => (yaml ??= require(${JSON.stringify(parserFile)}));`,
          ...YAML_EXPORTS.map(
            (name) => `export function ${name}(...args) { return parser().${name}(...args); }`,
          ),
        ].join("\n"),
        loader: "js",
      }));
    },
  };
}
