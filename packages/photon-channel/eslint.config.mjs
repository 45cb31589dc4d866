// Lint config: the shared Hermes rules (see tooling/eslint).
import { hermesConfig } from "@hermes/eslint-config";

export default [...hermesConfig()];
