import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    "index": "src/index.ts",
    "protocol/index": "src/protocol/index.ts",
    "testing/index": "src/testing/index.ts"
  },
  format: ["esm", "cjs"],
  // Shared chunks for CJS too: every entry must see the same module state (the upstream marker).
  splitting: true,
  // `@internal` members (the reference connector's route plumbing) stay out of the public types.
  dts: { compilerOptions: { stripInternal: true } },
  clean: true,
  sourcemap: true,
  target: "node20",
  platform: "node",
});
