import { readFileSync } from "node:fs";
import { bundledBinConfig, yamlOnFirstUse } from "@hermes/tsup-config";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as {
  version: string;
};

// The YAML parser is a third of what the bin would load at start (~8–14 ms of a ~140 ms cold
// start, BENCH.md) and config.yaml is optional: in the bin `yaml` is a stand-in that requires
// dist/config-yaml.cjs, built on its own below, on the first parse (@hermes/tsup-config).
const yaml = yamlOnFirstUse({
  parserFile: "./config-yaml.cjs",
  parserModule: "src/config/config-yaml.ts",
});

// The daemon ships as one ESM file with a shebang; workspace packages are bundled in so the
// process starts without resolving a tree of modules.
const bin = bundledBinConfig(
  { cli: "src/bin.ts" },
  {
    // Every dependency is bundled too: resolving ws, pino, yaml and commander in node_modules
    // and scanning each CommonJS file for its exports (ESM importing CommonJS) was most of the
    // cold start (bench/gateway-cold-start.mjs). pino-pretty stays a runtime dependency: it is
    // loaded with createRequire, only for pretty output.
    // The iMessage SDK stays out of the bundle: it is loaded with import() only when Photon is
    // enabled, reads its endpoints (and grpc-js its CA roots) from the environment when it
    // loads, and finds its .proto files next to its own package. (noExternal wins over external
    // in tsup, hence the exclusion inside the pattern.)
    noExternal: [/^(?!pino-pretty$|spectrum-ts(?:\/|$)|@spectrum-ts\/|@photon-ai\/|@grpc\/)/],
    external: [
      "pino-pretty",
      /^spectrum-ts(?:\/|$)/,
      /^@spectrum-ts\//,
      /^@photon-ai\//,
      /^@grpc\//,
    ],
    define: { __GATEWAY_VERSION__: JSON.stringify(pkg.version) },
    esbuildPlugins: [yaml],
    // Two configs build into one dist/: the package's build script empties it first.
    clean: false,
  },
);

// dist/config-yaml.cjs: the parser alone, CommonJS so that the bin can require() it when needed.
const parser = bundledBinConfig(
  { "config-yaml": "src/config/config-yaml.ts" },
  { format: ["cjs"], banner: {}, clean: false, esbuildPlugins: [yaml] },
);

export default [bin, parser];
