#!/usr/bin/env node
// Run from a package directory after its build: for every code subpath of its `exports` map,
// load it through the package's own name (a self-reference, resolved exactly as a dependent's
// would be) with import() in an ESM child and require() in a CJS child, and check both expose
// the same export names. Exits 1 with the failing subpaths.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const subpaths = Object.entries(pkg.exports ?? {})
  .filter(
    ([, target]) =>
      typeof target === "object" && target !== null && "import" in target && "require" in target,
  )
  .map(([sub]) => (sub === "." ? pkg.name : `${pkg.name}/${sub.slice(2)}`));

if (subpaths.length === 0) {
  console.error(
    `✗ ${pkg.name}: no import/require export conditions found in package.json "exports"`,
  );
  process.exit(1);
}

const keys = (mode, spec) => {
  const code =
    mode === "esm"
      ? `const m = await import(${JSON.stringify(spec)}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== "default").sort()))`
      : `const m = require(${JSON.stringify(spec)}); console.log(JSON.stringify(Object.keys(m).sort()))`;
  const args = mode === "esm" ? ["--input-type=module", "-e", code] : ["-e", code];
  return JSON.parse(
    execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
  );
};

let failed = 0;
for (const spec of subpaths) {
  try {
    const esm = keys("esm", spec);
    const cjs = keys("cjs", spec);
    if (JSON.stringify(esm) !== JSON.stringify(cjs))
      throw new Error(`ESM exports ${esm.join(",")} ≠ CJS exports ${cjs.join(",")}`);
    if (esm.length === 0) throw new Error("exports nothing");
    console.log(`✓ ${spec}: import() and require() both load ${esm.length} exports`);
  } catch (error) {
    failed++;
    console.error(
      `✗ ${spec}: ${(error.stderr || error.message || String(error)).toString().trim().split("\n").slice(-3).join(" ")}`,
    );
  }
}
process.exit(failed ? 1 : 0);
