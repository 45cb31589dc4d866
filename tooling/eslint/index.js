// Shared ESLint flat config. Four layers, in order:
// 1. typescript-eslint `recommended` (syntax-only, not type-checked: lint stays fast on small
//    machines and does not need a build first);
// 2. `import-x/no-cycle`: no module imports itself back through a chain of relative imports
//    (resolved the way TypeScript's NodeNext does, so `./foo.js` finds `./foo.ts`);
// 3. the regexp guard: regexes that can backtrack super-linearly are errors, because our
//    parsers run them on attacker-controlled strings;
// 4. `eslint-config-prettier` last: formatting belongs to Prettier, so no style rule here.
import prettier from "eslint-config-prettier";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import { importX } from "eslint-plugin-import-x";
import regexp from "eslint-plugin-regexp";
import tseslint from "typescript-eslint";

/** An AST selector suffix: a class member marked with TypeScript's `private` keyword. */
const PRIVATE = "[accessibility='private']";
/** Fields, `accessor` fields and constructor parameter properties. */
const FIELD_LIKE = ":matches(PropertyDefinition, AccessorProperty, TSParameterProperty)";

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
    {
      ignores: [
        "**/dist/**",
        "**/node_modules/**",
        "**/coverage/**",
        "**/.turbo/**",
        ...(options.extraIgnores ?? []),
      ],
    },
    {
      files: SOURCE_FILES,
      linterOptions: { reportUnusedDisableDirectives: "error" },
      languageOptions: { ecmaVersion: "latest", sourceType: "module" },
    },
    ...tseslint.configs.recommended.map((config) => ({ files: SOURCE_FILES, ...config })),
    {
      files: SOURCE_FILES,
      rules: {
        // `_name` marks a parameter an interface requires or a value left out on purpose;
        // `{ secret: _s, ...shown }` drops a key from a copy.
        "@typescript-eslint/no-unused-vars": [
          "error",
          {
            argsIgnorePattern: "^_",
            varsIgnorePattern: "^_",
            caughtErrorsIgnorePattern: "^_",
            destructuredArrayIgnorePattern: "^_",
            ignoreRestSiblings: true,
          },
        ],
      },
    },
    {
      files: ["**/*.{ts,mts,cts}"],
      rules: {
        // One way to hide a member: ECMAScript `#private`, which holds at run time too. The
        // `private` keyword is allowed only where `#` cannot go (a constructor); `protected`
        // has no `#` form, so it is left alone.
        "no-restricted-syntax": [
          "error",
          {
            selector: `${FIELD_LIKE}${PRIVATE}`,
            message: "Use a #private field instead of the `private` keyword.",
          },
          {
            selector: `MethodDefinition${PRIVATE}[kind!='constructor']`,
            message: "Use a #private method instead of the `private` keyword.",
          },
        ],
      },
    },
    {
      files: ["**/*.cjs"],
      languageOptions: { sourceType: "commonjs" },
      rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
      files: SOURCE_FILES,
      plugins: { "import-x": importX },
      settings: {
        // import-x skips files whose extension it does not know, so a cycle through `.ts`
        // files would go unseen without the TypeScript extensions and parser listed here.
        "import-x/extensions": [".ts", ".cts", ".mts", ".js", ".cjs", ".mjs"],
        "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".cts", ".mts"] },
        "import-x/resolver-next": [createTypeScriptImportResolver({ alwaysTryTypes: true })],
      },
      // A cycle through another package cannot happen (the workspace dependency graph is
      // acyclic and `turbo boundaries` checks it), so skip parsing node_modules: it is most
      // of the rule's cost.
      rules: { "import-x/no-cycle": ["error", { ignoreExternal: true }] },
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
    { files: SOURCE_FILES, ...prettier },
  ];
}

export default hermesConfig();
