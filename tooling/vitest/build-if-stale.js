// The process tests run a package's BUILT bin. Rebuild it before they start only when it is
// missing or older than what it is built from, so a direct `vitest` run never exercises a stale
// dist, while a turbo run (where `test` already depends on `build`) never rewrites dist/ under
// a concurrent task such as `lint:pack`, which packs that same folder.
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Newest modification time (ms) of a file or of any file under a folder; 0 when absent. */
function newestMtime(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** The built output of each workspace `@hermes/*` package this one links (bundled into the bin). */
function workspaceDists(root) {
  const scope = join(root, "node_modules", "@hermes");
  let names = [];
  try {
    names = readdirSync(scope);
  } catch {
    return [];
  }
  return names.map((name) => join(scope, name, "dist"));
}

/**
 * @param {string} root the package folder
 * @param {{ output?: string, inputs?: string[] }} [options]
 * @returns {boolean} whether a build ran
 */
export function buildIfStale(root, options = {}) {
  const output = join(root, options.output ?? "dist/cli.js");
  const inputs = (options.inputs ?? ["src", "tsup.config.ts", "package.json"]).map((p) =>
    join(root, p),
  );
  const built = newestMtime(output);
  const newestInput = Math.max(
    ...inputs.map(newestMtime),
    ...workspaceDists(root).map(newestMtime),
  );
  if (built !== 0 && built >= newestInput) return false;
  process.stderr.write(
    `${output} is ${built === 0 ? "missing" : "older than its sources"}: building it before the tests\n`,
  );
  execFileSync(
    process.execPath,
    [join(root, "node_modules", "tsup", "dist", "cli-default.js"), "--silent"],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  return true;
}
