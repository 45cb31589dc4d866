import { readFileSync } from "node:fs";
import { bundledBinConfig } from "@hermes/tsup-config";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as {
  version: string;
};

// The daemon ships as one ESM file with a shebang; workspace packages are bundled in so the
// process starts without resolving a tree of modules.
export default bundledBinConfig(
  { cli: "src/cli.ts" },
  {
    noExternal: [/^@hermes\//],
    define: { __GATEWAY_VERSION__: JSON.stringify(pkg.version) },
  },
);
