import type { Options } from "tsup";
/**
 * tsup's `Options` under this package's name, so a package's inferred `export default` type
 * is nameable through its own dependency (pnpm may resolve tsup with other peers here).
 */
export interface TsupConfig extends Options {
  entry: Options["entry"];
}
/** Shebang plus a `require` for bundled CommonJS code inside an ESM bin. */
export declare const BIN_BANNER: string;
/** A published library: ESM + CJS with `.d.ts`/`.d.cts` for each entry, Node 20, source maps. */
export declare function libraryConfig(entry: Options["entry"], overrides?: Options): TsupConfig;
/** A bin shipped as one ESM file with a shebang and a `require` for bundled CommonJS code. */
export declare function bundledBinConfig(entry: Options["entry"], overrides?: Options): TsupConfig;
/**
 * An esbuild plugin: in the bundles, `yaml` is a stand-in that requires `parserFile` (the YAML
 * parser built on its own into dist/) on the first `parseDocument` call; the module whose path
 * ends with `parserModule` gets the real package (its ESM build). See index.js.
 */
/** The names the YAML stand-in offers (each loads the parser on its first call). */
export declare const YAML_EXPORTS: readonly string[];
export declare function yamlOnFirstUse(opts: {
  readonly parserFile: string;
  readonly parserModule: string;
}): NonNullable<Options["esbuildPlugins"]>[number];
