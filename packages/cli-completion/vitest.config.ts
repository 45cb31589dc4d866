import { defineHermesConfig } from "@hermes/vitest-config";

export default defineHermesConfig();
