import { defineHermesConfig } from "@hermes/vitest-config";

// SDK tests wait on a child process that loads spectrum-ts (seconds on a loaded CI machine):
// a larger hang guard, not a timing assertion.
export default defineHermesConfig({ test: { testTimeout: 90_000, hookTimeout: 120_000 } });
