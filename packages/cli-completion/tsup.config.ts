import { libraryConfig } from "@hermes/tsup-config";

export default libraryConfig(["src/index.ts", "src/shells.ts"]);
