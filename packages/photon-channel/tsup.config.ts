import { libraryConfig } from "@hermes/tsup-config";

export default libraryConfig(
  { index: "src/index.ts", "testing/index": "src/testing/index.ts" },
  // import.meta.url in the CJS build (locating the .proto files shipped by a dependency).
  { shims: true },
);
