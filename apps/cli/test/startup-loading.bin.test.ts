// What the built bin loads for a command (the start-up budget is bench/cli-startup.mjs; these
// check the structure it relies on, not timing): the command tree alone for help, one body per
// command, and the YAML parser only when a config.yaml exists.
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { reportedLoads, writeLoadReporter } from "@hermes/vitest-config/loaded-files";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN } from "./support/bin.js";

const DIST = join(BIN, "..");

/** The files of dist/ the bin loaded (all CommonJS: see the first test) and its exit code. */
function loadedBy(args: string[], home: string): { files: string[]; code: number | null } {
  const { files, code } = run(args, home);
  return { files, code };
}

function run(args: string[], home: string) {
  const r = spawnSync(process.execPath, ["--require", preload, BIN, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HERMES_HOME: home },
    encoding: "utf8",
  });
  const loads = reportedLoads(r.stderr) ?? { files: [], builtins: [] };
  const files = loads.files
    .filter((f) => f.startsWith(DIST))
    .map((f) => relative(DIST, f))
    .sort();
  return { files, builtins: loads.builtins, code: r.status, stdout: r.stdout };
}

let home: string;
let preload: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "hermes-loading-"));
  // Reports, at exit, every .cjs file read (by Node's loader or the bin's code-cache loader,
  // both through fs.readFileSync) and the Node builtins loaded.
  preload = writeLoadReporter(home);
  await writeFile(
    join(home, ".env"),
    "GATEWAY_RELAY_URL=wss://relay.example.com/relay\nGATEWAY_RELAY_PLATFORMS=discord\n",
    { mode: 0o600 },
  );
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("the built bin loads only what a command needs", () => {
  it("is CommonJS throughout: no ESM files in dist/, no shared chunks", async () => {
    const files = (await readdir(DIST, { recursive: true })).filter((f) => /\.[cm]?js$/.test(f));
    expect(files.filter((f) => !f.endsWith(".cjs"))).toEqual([]);
    expect(files.filter((f) => /chunk|lockfile/.test(f))).toEqual([]);
  });

  it("help loads the command tree alone", () => {
    expect(loadedBy(["--help"], home)).toEqual({ files: ["cli.cjs", "main.cjs"], code: 0 });
    expect(loadedBy(["gateway", "enroll", "--help"], home)).toEqual({
      files: ["cli.cjs", "main.cjs"],
      code: 0,
    });
  });

  it("prints through the file descriptor: no stream (nor node:tty) for a pipe, output intact", () => {
    for (const args of [["--help"], ["gateway", "status"], ["completion", "bash"]]) {
      const r = run(args, home);
      expect(r.code).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(100);
      expect(r.builtins).not.toContain("NativeModule stream");
      expect(r.builtins).not.toContain("NativeModule tty");
    }
    expect(run(["completion", "bash"], home).stdout).toMatch(
      /\ncomplete -F _hermes_completion hermes\n$/,
    );
  });

  it("compiles the tree and the bodies through V8 code caches beside them: written by a start, used by the next, a bad one replaced", async () => {
    const { codeCachePath } = await import("../src/code-cache.js");
    const cache = codeCachePath(join(DIST, "main.cjs"));
    expect(run(["--help"], home).code).toBe(0);
    const written = await stat(cache);
    expect(written.size).toBeGreaterThan(1000);
    // Accepted: the next start leaves it as it is.
    expect(run(["--help"], home).code).toBe(0);
    expect((await stat(cache)).mtimeMs).toBe(written.mtimeMs);
    // A body's too.
    expect(run(["gateway", "status"], home).code).toBe(0);
    expect((await stat(codeCachePath(join(DIST, "gateway", "status.cjs")))).size).toBeGreaterThan(
      100,
    );
    // One V8 cannot use (garbage, or another Node's) is ignored and replaced.
    await writeFile(cache, "not a code cache");
    const r = run(["--help"], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: hermes/);
    expect((await readFile(cache)).toString("latin1")).not.toBe("not a code cache");
  });

  it("gateway status without a config.yaml never loads the YAML parser; with one it does", async () => {
    expect(loadedBy(["gateway", "status"], home)).toEqual({
      files: ["cli.cjs", "gateway/status.cjs", "home/home.cjs", "main.cjs"],
      code: 0,
    });
    await writeFile(join(home, "config.yaml"), "gateway:\n  relay_id: gw-yaml\n");
    expect(loadedBy(["gateway", "status"], home)).toEqual({
      files: ["cli.cjs", "config-yaml.cjs", "gateway/status.cjs", "home/home.cjs", "main.cjs"],
      code: 0,
    });
  });
});
