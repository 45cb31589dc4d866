import { libraryConfig } from "@hermes/tsup-config";

export default libraryConfig({
  index: "src/index.ts",
  "webhook/index": "src/webhook/index.ts",
  "testing/index": "src/testing/index.ts",
});
