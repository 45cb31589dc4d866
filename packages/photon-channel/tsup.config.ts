import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    "index": "src/index.ts",
    "testing/index": "src/testing/index.ts",
  },
  format: ["esm", "cjs"],
  // import.meta.url in the CJS build (locating the .proto files shipped by a dependency).
  shims: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  platform: "node",
});
