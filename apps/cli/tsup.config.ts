import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { version: string };

// One bundled ESM file with a shebang: every dependency is inlined so `hermes` starts without
// resolving a module tree (start-up is measured in bench/).
export default defineConfig({
  entry: { cli: "src/cli.ts" },
  format: ["esm"],
  clean: true,
  sourcemap: true,
  target: "node20",
  platform: "node",
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __hermesCreateRequire } from 'node:module'; const require = __hermesCreateRequire(import.meta.url);" },
  noExternal: [/.*/],
  define: { __HERMES_CLI_VERSION__: JSON.stringify(version) },
});
