// The load reporter must see a CommonJS file a process requires, and say nothing for a process
// that never got to report.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { reportedLoads, writeLoadReporter } from "../loaded-files.js";

describe("writeLoadReporter / reportedLoads", () => {
  it("reports the .cjs files read and the builtins loaded, only those required", () => {
    const dir = mkdtempSync(join(tmpdir(), "loaded-files-"));
    try {
      const preload = writeLoadReporter(dir);
      writeFileSync(join(dir, "used.cjs"), "module.exports = 1;");
      writeFileSync(join(dir, "unused.cjs"), "module.exports = 2;");
      const r = spawnSync(
        process.execPath,
        ["--require", preload, "-e", `require(${JSON.stringify(join(dir, "used.cjs"))})`],
        { encoding: "utf8" },
      );
      assert.equal(r.status, 0);
      const loads = reportedLoads(r.stderr);
      assert.deepEqual(loads?.files, [join(dir, "used.cjs")]);
      assert.ok(loads?.builtins.includes("NativeModule fs"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is null when the process reported nothing", () => {
    assert.equal(reportedLoads("some other output\n"), null);
  });
});
