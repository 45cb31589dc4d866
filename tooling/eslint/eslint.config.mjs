// Lint config of the config package itself: test/fixtures holds deliberately bad code.
import { hermesConfig } from "./index.js";

export default hermesConfig({ extraIgnores: ["test/fixtures/**"] });
