// `hermes-gateway completion <bash|zsh|fish>` on the BUILT bin: the bash script sourced in a
// real bash child completes from the command tree; zsh and fish structurally (syntax-checked
// when those shells are installed); an unknown shell is a usage error; a closed pipe is quiet.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "gw-completion-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? "", HERMES_HOME: home };

function gw(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: "utf8", timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The words bash offers after typing `line` (the last word is the one being completed). */
function bashComplete(script: string, line: string): string[] {
  const words = line.split(" ");
  const program = `${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")})
COMP_CWORD=${words.length - 1}
_hermes_gateway_completion
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync("bash", ["--norc", "--noprofile", "-c", program], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout.split("\n").filter((w) => w !== "");
}

function shellAvailable(shell: string): boolean {
  return spawnSync(shell, ["-c", "exit 0"], { stdio: "ignore" }).status === 0;
}

describe("hermes-gateway completion <bash|zsh|fish>", () => {
  it("bash: sourced in a bash child, completes subcommands, options and argument choices from the command tree", () => {
    const r = gw(["completion", "bash"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(bashComplete(r.out, "hermes-gateway dev-c")).toEqual(["dev-connector"]);
    expect(bashComplete(r.out, "hermes-gateway ")).toEqual(
      expect.arrayContaining(["run", "dev", "dev-connector", "completion", "help"]),
    );
    expect(bashComplete(r.out, "hermes-gateway run --c")).toEqual(["--check", "--connect"]);
    // Flags already typed do not change the command path.
    expect(bashComplete(r.out, "hermes-gateway dev-connector --verbose --enroll")).toEqual([
      "--enroll-token",
    ]);
    expect(bashComplete(r.out, "hermes-gateway completion ")).toEqual(
      expect.arrayContaining(["bash", "zsh", "fish"]),
    );
  });

  it("zsh: a #compdef script with one case per command path (zsh -n when zsh is installed)", () => {
    const r = gw(["completion", "zsh"]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toBe("#compdef hermes-gateway");
    expect(r.out).toContain("('hermes-gateway run') candidates=('--check' '--connect'");
    expect(r.out).toContain("compdef _hermes_gateway hermes-gateway");
    if (shellAvailable("zsh")) {
      const check = spawnSync("zsh", ["-n"], { input: r.out, encoding: "utf8" });
      expect(check.stderr).toBe("");
      expect(check.status).toBe(0);
    }
  });

  it("fish: one `complete` line per subcommand and option, conditioned on the command path (fish -n when installed)", () => {
    const r = gw(["completion", "fish"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `complete -c hermes-gateway -n '__hermes_gateway_at "hermes-gateway"' -a 'dev-connector'`,
    );
    expect(r.out).toContain(
      `complete -c hermes-gateway -n '__hermes_gateway_at "hermes-gateway dev-connector"' -l enroll-token`,
    );
    expect(r.out).toContain(
      `complete -c hermes-gateway -n '__hermes_gateway_at "hermes-gateway completion"' -a 'fish'`,
    );
    if (shellAvailable("fish")) {
      const check = spawnSync("fish", ["--no-execute"], { input: r.out, encoding: "utf8" });
      expect(check.stderr).toBe("");
      expect(check.status).toBe(0);
    }
  });

  it("an unknown shell is a usage error: ✗ message, a pointer to --help, exit 2", () => {
    const r = gw(["completion", "csh"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      "✗ command-argument value 'csh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.\n  Run `hermes-gateway completion --help` for usage.\n",
    );
  });

  it("with a closed stdout pipe (`… | head -1`) exits 0 quietly", async () => {
    const r = await new Promise<{ code: number | null; signal: string | null; err: string }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, [BIN, "completion", "bash"], {
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
        child.stdout.destroy();
        let err = "";
        child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code, signal, err }));
      },
    );
    expect(r).toEqual({ code: 0, signal: null, err: "" });
  });
});
