import type { Linter } from "eslint";

/** Every source, test, script and config file of a package. */
export declare const SOURCE_FILES: string[];
/** The flat config for one package; `extraIgnores` adds globs (relative to the package root). */
export declare function hermesConfig(options?: {
  extraIgnores?: readonly string[];
}): Linter.Config[];
declare const config: Linter.Config[];
export default config;
