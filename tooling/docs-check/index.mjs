#!/usr/bin/env node
// hermes-docs-check: report every docs reference that does not resolve and every byte-exact
// example of the contract docs that the code no longer reproduces. Exit 1 when there is one.
import { fileURLToPath } from "node:url";
import { checkRepository } from "./lib/check.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { problems, checked } = await checkRepository(root);
for (const p of problems) console.error(`✗ ${p.file}:${p.line}: ${p.message}`);
console.log(
  `docs-check: ${problems.length} problem(s); examples checked: ${checked.join(", ") || "none"}`,
);
process.exitCode = problems.length === 0 ? 0 : 1;
