import { libraryConfig } from "@hermes/tsup-config";

// `./gateway` is a subpath (it needs @hermes/relay-adapter); both entries share one copy of the
// modules they have in common (SettingsError among them), in CommonJS too (tsup's splitting).
export default libraryConfig(["src/index.ts", "src/gateway.ts"], { splitting: true });
