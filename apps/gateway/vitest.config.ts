import { defineHermesConfig } from "@hermes/vitest-config";

export default defineHermesConfig({ test: { globalSetup: ["test/global-setup.ts"] } });
