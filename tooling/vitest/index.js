// Shared Vitest defaults. Plain JavaScript on purpose: a package's vitest.config.ts is bundled
// by Vite, but bare imports such as this one are loaded by Node as-is, and Node 20 cannot load
// TypeScript.
import { defineConfig, mergeConfig } from "vitest/config";

/** @type {import("vitest/config").UserConfig} */
export const baseConfig = defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
    // Tests that start servers or child processes on loopback need more than the 5 s default
    // on a loaded 2-core CI machine; this is a hang guard, not a timing assertion.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    restoreMocks: true,
  },
});

/**
 * @param {import("vitest/config").UserConfig} [overrides]
 * @returns {import("vitest/config").UserConfig}
 */
export function defineHermesConfig(overrides = {}) {
  return mergeConfig(baseConfig, overrides);
}
