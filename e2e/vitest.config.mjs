import { defineHermesConfig } from "@hermes/vitest-config";

export default defineHermesConfig({ test: { include: ["test/**/*.test.mjs"] } });
