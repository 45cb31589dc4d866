// The conventions every `hermes` command shares, observed on the BUILT bin: a closed stdout
// pipe, the error and help style, `hermes help`, `--json` errors, completion scripts.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bashComplete, shellSyntaxCheck } from "@hermes/vitest-config/bash-complete";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, runBin } from "./support/bin.js";

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "hermes-conv-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/**
 * Runs the bin with its stdout pipe closed by the reader before the bin writes anything (as
 * `hermes … | head -1` does once head has its line): every write then fails with EPIPE.
 */
function runWithClosedStdout(
  args: string[],
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HERMES_HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe("a closed stdout pipe (hermes … | head -1)", () => {
  it.each([
    [["--help"]],
    [["--version"]],
    [["gateway", "status"]],
    [["gateway", "status", "--json"]],
    [["completion", "bash"]],
  ])("%j exits 0 without a stack trace", async (args) => {
    const r = await runWithClosedStdout(args);
    expect(r).toEqual({ code: 0, signal: null, stderr: "" });
  });
});

describe("one error style, one help style", () => {
  it("an unknown option: ✗ message and a one-line pointer to that command's --help (no help dump), exit 2", async () => {
    const r = await runBin(["gateway", "status", "--bogus"], { env: { HERMES_HOME: home } });
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr: "✗ unknown option '--bogus'\n  Run `hermes gateway status --help` for usage.\n",
    });
  });

  it("an unknown command suggests the nearest one", async () => {
    const r = await runBin(["photon", "webhok"], { env: { HERMES_HOME: home } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "✗ unknown command 'webhok' (Did you mean webhook?)\n  Run `hermes photon --help` for usage.\n",
    );
  });

  it("hermes help [command...] prints that command's help on stdout, exit 0", async () => {
    const top = await runBin(["help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: hermes \[options\] \[command\]/);
    expect(top.stdout).toMatch(/help \[command\.\.\.\]\s+show help for a command/);
    const nested = await runBin(["help", "gateway", "enroll"]);
    expect(nested.code).toBe(0);
    expect(nested.stdout).toMatch(/^Usage: hermes gateway enroll \[options\]/);
    expect(nested.stdout).toContain("--connector-url <url>");
    const inner = await runBin(["photon", "help", "webhook"]);
    expect(inner.stdout).toMatch(/^Usage: hermes photon webhook \[options\] \[command\]/);
    const unknown = await runBin(["help", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^✗ unknown command 'nope'/);
  });
});

describe("--json", () => {
  it("a failing command prints {error:{code,message,hints}} on stderr and nothing on stdout", async () => {
    await writeFile(join(home, "config.yaml"), "gateway: [unclosed\n");
    const r = await runBin(["gateway", "enroll", "--token", "T", "--json"], {
      env: { HERMES_HOME: home },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const body = JSON.parse(r.stderr) as {
      error: { code: string; message: string; hints: string[] };
    };
    expect(body.error.code).toBe("config-invalid");
    expect(body.error.message).toMatch(/^Invalid configuration: config\.yaml/);
    expect(Array.isArray(body.error.hints)).toBe(true);
  });

  it("usage errors are JSON too, with a code per kind", async () => {
    const r = await runBin(["gateway", "status", "--json", "--bogus"], {
      env: { HERMES_HOME: home },
    });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toEqual({
      error: {
        code: "unknown-option",
        message: "unknown option '--bogus'",
        hints: ["Run `hermes gateway status --help` for usage."],
      },
    });
    const missing = await runBin(["gateway", "enroll", "--json"], { env: { HERMES_HOME: home } });
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stderr)).toMatchObject({
      error: { code: "usage", message: expect.stringContaining("No enrollment token") },
    });
  });

  it("every command that prints data accepts --json", async () => {
    for (const path of [
      ["gateway", "enroll"],
      ["gateway", "status"],
      ["photon", "status"],
      ["photon", "webhook", "list"],
      ["photon", "webhook", "register"],
    ]) {
      const r = await runBin([...path, "--help"]);
      expect(r.stdout, path.join(" ")).toMatch(/--json\s+print the result as JSON/);
    }
  });
});

describe("hermes completion <bash|zsh|fish>", () => {
  it("bash: sourced in a bash child, completes subcommands, options and argument choices from the command tree", async () => {
    const r = await runBin(["completion", "bash"]);
    expect(r.code).toBe(0);
    expect(bashComplete(r.stdout, "_hermes_completion", "hermes ga")).toEqual(["gateway"]);
    expect(bashComplete(r.stdout, "_hermes_completion", "hermes gateway ")).toEqual(
      expect.arrayContaining(["enroll", "status", "--help"]),
    );
    expect(bashComplete(r.stdout, "_hermes_completion", "hermes gateway enroll --conn")).toEqual([
      "--connector-url",
    ]);
    // A flag's value is not mistaken for a subcommand.
    expect(
      bashComplete(r.stdout, "_hermes_completion", "hermes gateway enroll --token status --g"),
    ).toEqual(["--gateway-id"]);
    expect(bashComplete(r.stdout, "_hermes_completion", "hermes photon webhook l")).toEqual([
      "list",
    ]);
    expect(bashComplete(r.stdout, "_hermes_completion", "hermes completion ")).toEqual(
      expect.arrayContaining(["bash", "zsh", "fish"]),
    );
  });

  it("bash: a flag's value completes to its known values, else to nothing", async () => {
    const r = await runBin(["completion", "bash"]);
    expect(r.code).toBe(0);
    expect(
      bashComplete(r.stdout, "_hermes_completion", "hermes gateway enroll --platform "),
    ).toEqual(["discord", "slack", "telegram"]);
    expect(
      bashComplete(r.stdout, "_hermes_completion", "hermes gateway enroll --platform t"),
    ).toEqual(["telegram"]);
    // A token or URL cannot be guessed: nothing rather than the command's flags.
    expect(bashComplete(r.stdout, "_hermes_completion", "hermes gateway enroll --token ")).toEqual(
      [],
    );
    expect(
      bashComplete(r.stdout, "_hermes_completion", "hermes gateway enroll --platform slack --for"),
    ).toEqual(["--force"]);
  });

  it("zsh: a #compdef script with one case per command path (syntax-checked by zsh -n when zsh is installed)", async () => {
    const r = await runBin(["completion", "zsh"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("#compdef hermes");
    expect(r.stdout).toContain("('hermes gateway enroll') candidates=('--token' '--connector-url'");
    expect(r.stdout).toContain("('hermes photon webhook') candidates=('register' 'list' 'delete'");
    expect(r.stdout).toContain("compdef _hermes hermes");
    const zsh = shellSyntaxCheck("zsh", "-n", r.stdout);
    if (zsh !== null) expect(zsh).toEqual({ status: 0, stderr: "" });
  });

  it("fish: one `complete` line per subcommand and option, conditioned on the command path (fish -n when installed)", async () => {
    const r = await runBin(["completion", "fish"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`complete -c hermes -n '__hermes_at "hermes gateway"' -a 'enroll'`);
    expect(r.stdout).toContain(
      `complete -c hermes -n '__hermes_at "hermes gateway enroll"' -l connector-url`,
    );
    expect(r.stdout).toContain(`complete -c hermes -n '__hermes_at "hermes completion"' -a 'zsh'`);
    const fish = shellSyntaxCheck("fish", "--no-execute", r.stdout);
    if (fish !== null) expect(fish).toEqual({ status: 0, stderr: "" });
  });

  it("an unknown shell is a usage error", async () => {
    const r = await runBin(["completion", "csh"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^✗ .*'csh' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish\./,
    );
  });
});
