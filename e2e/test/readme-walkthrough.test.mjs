// The root README's one-machine walkthrough, run AS WRITTEN: the fenced block between the
// walkthrough markers goes to bash unchanged, from the repository root, with only PATH in
// the environment (no HERMES_HOME: the block sets its own). Aliases are enabled first, as
// they are in the interactive shell the README speaks to. Everything it starts is in its own
// process group, removed at the end whatever happens.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

function walkthroughBlock() {
  const readme = readFileSync(`${REPO}/README.md`, "utf8");
  const start = readme.indexOf("<!-- walkthrough:start -->");
  const end = readme.indexOf("<!-- walkthrough:end -->");
  if (start === -1 || end === -1) throw new Error("README.md has no walkthrough markers");
  const section = readme.slice(start, end);
  const open = section.indexOf("```bash\n");
  const close = section.lastIndexOf("```");
  if (open === -1 || close <= open)
    throw new Error("the walkthrough markers hold no ```bash block");
  return section.slice(open + "```bash\n".length, close);
}

function runBash(script, timeoutMs, tmp) {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-e", "-c", `shopt -s expand_aliases\n${script}`], {
      cwd: REPO,
      // TMPDIR: the block's `mktemp -d` lands in a folder this test removes.
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/root",
        TMPDIR: tmp,
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const killGroup = () => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(killGroup, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      killGroup(); // a connector or gateway left behind by a failed step
      resolve({ code, stdout, stderr });
    });
  });
}

describe("README: one machine, enroll → run → message → revoke", () => {
  it("works as written", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "hermes-walkthrough-"));
    let r;
    try {
      r = await runBash(walkthroughBlock(), 110_000, tmp);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    const context = `\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
    expect(r.code, context).toBe(0);
    expect(r.stdout).toContain('✓ Enrolled gateway "gw-demo" for tenant tenant-dev');
    expect(r.stdout).toContain("GATEWAY_RELAY_PLATFORMS=telegram");
    expect(r.stdout).toMatch(/✓ connected to ws:\/\/127\.0\.0\.1:\d+\/relay as gw-demo/);
    expect(r.stdout).toContain('{"delivered":"live"}');
    expect(r.stdout).toMatch(/"action":\{"chat_id":"42","content":"hello","op":"send"/);
    expect(r.stdout).toContain("hermes-gateway stopped with exit 3 (3: the connector revoked it)");
    expect(r.stdout).toContain("✓ Removed the enrollment from");
    expect(r.stdout + r.stderr).not.toMatch(/GATEWAY_RELAY_SECRET=[0-9a-f]{16}/);
  }, 120_000);
});
