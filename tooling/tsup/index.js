// Shared tsup presets. Plain JavaScript, like the other tooling packages: tsup bundles a
// package's tsup.config.ts, but leaves bare imports such as this one to Node, which cannot load
// TypeScript on Node 20. The presets are plain objects (tsup's defineConfig is the identity).

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
