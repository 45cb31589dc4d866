// The lint guard must actually guard: the shared config, run through ESLint's Node API as
// `eslint .` runs it, reports super-linear regexes (in TypeScript files too), passes clean
// code, and every workspace package runs it from its `lint` script.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import prettier from "eslint-config-prettier";
import { hermesConfig } from "../index.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = join(here, "..", "..", "..");

async function lint(file) {
  const eslint = new ESLint({
    cwd: join(here, ".."),
    overrideConfigFile: true,
    overrideConfig: hermesConfig(),
  });
  const [result] = await eslint.lintFiles([join(here, "fixtures", file)]);
  return result;
}

describe("@hermes/eslint-config regexp guard", () => {
  it("reports each super-linear regex of the bad fixture", async () => {
    const result = await lint("super-linear.ts");
    assert.equal(result.fatalErrorCount, 0, JSON.stringify(result.messages));
    const byLine = new Map();
    for (const m of result.messages) byLine.set(m.line, [...(byLine.get(m.line) ?? []), m.ruleId]);
    // /^(a|a)*$/: overlapping alternatives under * (exponential backtracking).
    assert.ok(
      byLine.get(3)?.includes("regexp/no-dupe-disjunctions") ||
        byLine.get(3)?.includes("regexp/no-super-linear-backtracking"),
      String(byLine.get(3)),
    );
    // /=+$/ on an attacker string: quadratic (the relay-crypto padding bug).
    assert.ok(byLine.get(4)?.includes("regexp/no-super-linear-move"), String(byLine.get(4)));
    // \s* and .* trade characters.
    assert.ok(
      byLine.get(5)?.includes("regexp/no-super-linear-backtracking"),
      String(byLine.get(5)),
    );
    // nested quantifiers inside a typed arrow function still get linted.
    assert.ok(
      byLine.get(6)?.some((id) => id?.startsWith("regexp/")),
      String(byLine.get(6)),
    );
    assert.ok(
      result.messages.every((m) => m.severity === 2),
      "every finding is an error, so `eslint .` fails",
    );
  });

  it("passes a file with only linear regexes (and parses TypeScript)", async () => {
    const result = await lint("linear.ts");
    assert.deepEqual(result.messages, []);
  });

  it("enables the named rules as errors, on top of the plugin's recommended set", () => {
    const rules = Object.assign({}, ...hermesConfig().map((c) => c.rules ?? {}));
    for (const id of [
      "regexp/no-super-linear-backtracking",
      "regexp/no-super-linear-move",
      "regexp/no-misleading-capturing-group",
      "regexp/no-dupe-disjunctions",
    ]) {
      assert.equal(rules[id], "error", id);
    }
  });

  it("is run by every workspace package's `lint` script", () => {
    const dirs = ["packages", "apps", "tooling"].flatMap((top) =>
      readdirSync(join(repo, top)).map((d) => join(repo, top, d)),
    );
    dirs.push(join(repo, "bench"));
    const withCode = dirs.filter((d) =>
      readdirSync(d).some((f) => /\.(?:[cm]?js|[cm]?ts)$/.test(f) || f === "src"),
    );
    assert.ok(withCode.length >= 9, `found only ${withCode.length} packages`);
    for (const dir of withCode) {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      assert.equal(pkg.scripts?.lint, "eslint .", `${pkg.name} has no "lint": "eslint ." script`);
      assert.ok(existsSync(join(dir, "eslint.config.mjs")), `${pkg.name} has no eslint.config.mjs`);
    }
    const turbo = JSON.parse(readFileSync(join(repo, "turbo.json"), "utf8"));
    assert.ok(turbo.tasks.lint, "turbo.json has a lint task");
    const root = JSON.parse(readFileSync(join(repo, "package.json"), "utf8"));
    assert.match(
      root.scripts.ci,
      /turbo run [^&]*\blint\b/,
      "the root ci script (npm test) runs lint",
    );
  });
});

describe("@hermes/eslint-config preset", () => {
  it("reports a planted cycle of .ts files imported with NodeNext `.js` specifiers", async () => {
    for (const file of ["cycle/a.ts", "cycle/b.ts"]) {
      const result = await lint(file);
      assert.deepEqual(
        result.messages.map((m) => [m.line, m.ruleId, m.severity]),
        [[2, "import-x/no-cycle", 2]],
        file,
      );
    }
  });

  it("passes a one-way import", async () => {
    assert.deepEqual((await lint("cycle/no-cycle.ts")).messages, []);
  });

  it("applies typescript-eslint recommended; `_` marks a deliberately unused name", async () => {
    const result = await lint("recommended.ts");
    assert.deepEqual(
      result.messages.map((m) => [m.line, m.ruleId]),
      [
        [2, "@typescript-eslint/no-explicit-any"],
        [3, "@typescript-eslint/no-unused-vars"],
      ],
    );
  });

  it("reports `private` where `#` works; not a private constructor, not `protected`", async () => {
    const result = await lint("private-keyword.ts");
    assert.deepEqual(
      result.messages.map((m) => [m.line, m.column, m.ruleId]),
      [
        [3, 3, "no-restricted-syntax"], // field
        [4, 3, "no-restricted-syntax"], // static field
        [6, 23, "no-restricted-syntax"], // parameter property; the constructor passes
        [7, 3, "no-restricted-syntax"], // method
        [10, 3, "no-restricted-syntax"], // accessor
      ],
    );
  });

  it("leaves formatting to Prettier: eslint-config-prettier comes last, so its `off` wins", () => {
    const last = hermesConfig().at(-1);
    assert.deepEqual(last.rules, prettier.rules);
    assert.equal(last.rules["no-mixed-spaces-and-tabs"], "off");
  });
});
