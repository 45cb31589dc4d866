// Shared ESLint flat config. For now it holds one guard: regexes that can backtrack
// super-linearly are errors, because our parsers run them on attacker-controlled strings
// (conventions: "no regex with overlapping alternatives under *, no /x+$/ on attacker
// strings"). A later issue adds the full lint preset; until then no style rule lives here.
import regexp from "eslint-plugin-regexp";
import tseslint from "typescript-eslint";

/** Files the config applies to: every source, test, script and config file of a package. */
export const SOURCE_FILES = ["**/*.{js,mjs,cjs,ts,mts,cts}"];

/**
 * The flat config for one package. `extraIgnores` adds globs (relative to the package root)
 * that hold no code of ours, e.g. deliberately bad lint fixtures.
 * @param {{ extraIgnores?: readonly string[] }} [options]
 * @returns {import("eslint").Linter.Config[]}
 */
export function hermesConfig(options = {}) {
  return [
    { ignores: ["**/dist/**", "**/node_modules/**", "**/coverage/**", "**/.turbo/**", ...(options.extraIgnores ?? [])] },
    {
      files: SOURCE_FILES,
      linterOptions: { reportUnusedDisableDirectives: "error" },
      languageOptions: { ecmaVersion: "latest", sourceType: "module" },
    },
    {
      files: ["**/*.{ts,mts,cts}"],
      languageOptions: { parser: tseslint.parser },
    },
    {
      files: SOURCE_FILES,
      plugins: { regexp },
      rules: {
        ...regexp.configs.recommended.rules,
        "regexp/no-super-linear-backtracking": "error",
        "regexp/no-super-linear-move": "error",
        "regexp/no-misleading-capturing-group": "error",
      },
    },
  ];
}

export default hermesConfig();
