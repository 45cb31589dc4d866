#!/usr/bin/env node
// Runs the pnpm version pinned in the root package.json's `packageManager` field without a
// global install: a fresh machine has only Node and npm, so we go through `npx`, which fetches
// pnpm from the npm registry once and caches it. Corepack is avoided on purpose: the corepack
// bundled with some Node 20 releases rejects newer pnpm signatures.
// pnpm runs in the caller's directory (as a bare `pnpm` would): from the repository root it acts
// on the workspace, from a package directory on that package (`pack`, `run`, `add`); pnpm finds
// the workspace root itself. Only the version is read from the root package.json.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { packageManager } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const match = /^pnpm@(\d+\.\d+\.\d+)$/.exec(packageManager ?? "");
if (!match) {
  console.error(
    `✗ package.json "packageManager" must be pnpm@X.Y.Z, got ${JSON.stringify(packageManager)}`,
  );
  process.exit(2);
}
const npx = process.platform === "win32" ? "npx.cmd" : "npx";
const result = spawnSync(npx, ["--yes", `pnpm@${match[1]}`, ...process.argv.slice(2)], {
  cwd: process.cwd(),
  stdio: "inherit",
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
});
if (result.error) {
  console.error(`✗ could not start pnpm through npx: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
