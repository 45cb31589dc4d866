// The command-line conventions hermes-gateway shares with hermes, on the BUILT bin: a closed
// stdout pipe, the error style, `help [command...]`, completion scripts.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { bashComplete, shellSyntaxCheck } from "@hermes/vitest-config/bash-complete";
import { afterAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "gw-cmdline-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? "", HERMES_HOME: home };

function gw(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: "utf8", timeout: 20_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The bin with its stdout closed by the reader before anything is written (`… | head -1`). */
function withClosedStdout(args: string[], extraEnv: Record<string, string> = {}) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        env: { ...env, ...extraEnv },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.destroy();
      let err = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, err }));
    },
  );
}

describe("hermes-gateway command line", () => {
  it.each([[["--help"]], [["--version"]], [["help", "run"]], [["completion", "bash"]]])(
    "%j with a closed stdout pipe exits 0 quietly",
    async (args) => {
      expect(await withClosedStdout(args)).toEqual({ code: 0, signal: null, err: "" });
    },
  );

  it("run --check with a closed stdout pipe exits 0 quietly", async () => {
    const r = await withClosedStdout(["run", "--check"], {
      GATEWAY_RELAY_URL: "ws://127.0.0.1:9/relay",
      GATEWAY_RELAY_PLATFORMS: "discord",
    });
    expect(r).toEqual({ code: 0, signal: null, err: "" });
  });

  it("an unknown option: ✗ message and a pointer to the command's --help, no help dump, exit 2", () => {
    expect(gw(["run", "--bogus"])).toEqual({
      code: 2,
      out: "",
      err: "✗ unknown option '--bogus'\n  Run `hermes-gateway run --help` for usage.\n",
    });
    expect(gw(["runn"])).toEqual({
      code: 2,
      out: "",
      err: "✗ unknown command 'runn' (Did you mean run?)\n  Run `hermes-gateway --help` for usage.\n",
    });
  });

  it("help [command] prints that command's help on stdout, exit 0", () => {
    const top = gw(["help"]);
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/help \[command\.\.\.\]\s+show help for a command/);
    const run = gw(["help", "run"]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^Usage: hermes-gateway run \[options\]/);
    expect(gw(["help", "nope"]).code).toBe(2);
  });

  it("a bad setting names the key and its true source, in the same ✗ style", () => {
    const r = spawnSync(process.execPath, [BIN, "run", "--check"], {
      env: { ...env, GATEWAY_LOG_LEVEL: "loud" },
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^✗ Invalid configuration: GATEWAY_LOG_LEVEL \(from env\): expected one of/,
    );
  });
});

describe("hermes-gateway run --check --json", () => {
  const relay = {
    GATEWAY_RELAY_URL: "ws://127.0.0.1:9/relay",
    // A URL whose query may carry a token (the relay URL itself may carry none).
    GATEWAY_RELAY_WAKE_URL: "http://127.0.0.1:9/wake?token=abc",
    GATEWAY_RELAY_PLATFORMS: "discord",
    GATEWAY_RELAY_SECRET: "json-secret-value-0123456789abcdef",
  };

  it("prints every setting with its source as JSON, secrets hidden", () => {
    const r = spawnSync(process.execPath, [BIN, "run", "--check", "--json"], {
      env: { ...env, ...relay },
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      home: string;
      settings: Record<string, { value: string | null; source: string; key: string }>;
    };
    expect(out.home).toBe(home);
    expect(out.settings.relayUrl).toEqual({
      value: "ws://127.0.0.1:9/relay",
      source: "env",
      key: "GATEWAY_RELAY_URL",
    });
    expect(out.settings.wakeUrl).toEqual({
      value: "http://127.0.0.1:9/wake?<hidden>",
      source: "env",
      key: "GATEWAY_RELAY_WAKE_URL",
    });
    expect(out.settings.relaySecret).toEqual({
      value: "<hidden>",
      source: "env",
      key: "GATEWAY_RELAY_SECRET",
    });
    expect(out.settings.platforms).toMatchObject({ source: "env", key: "GATEWAY_RELAY_PLATFORMS" });
    expect(r.stdout + r.stderr).not.toContain("json-secret-value");
    expect(r.stdout).not.toContain("token=abc");
  });

  it("a config.yaml key that is almost a setting is a warning naming what it meant (text and JSON)", () => {
    const typoHome = mkdtempSync(join(tmpdir(), "gw-typo-"));
    try {
      writeFileSync(
        join(typoHome, "config.yaml"),
        "model:\n  default: some/model\ngateway:\n  helth_port: 8080\n  agent: echo\n",
      );
      const run = (args: string[]) =>
        spawnSync(process.execPath, [BIN, "run", "--check", ...args], {
          env: { ...env, ...relay, HERMES_HOME: typoHome },
          encoding: "utf8",
        });
      const warning =
        "config.yaml: `gateway.helth_port` is not a setting read here; did you mean `gateway.health_port`? (ignored)";
      const text = run([]);
      expect(text.status).toBe(0);
      expect(text.stderr).toBe(`⚠ ${warning}\n`);
      const json = run(["--json"]);
      expect(json.status).toBe(0);
      expect((JSON.parse(json.stdout) as { warnings: string[] }).warnings).toEqual([warning]);
      expect(json.stdout + text.stdout + text.stderr).not.toContain("json-secret-value");
    } finally {
      rmSync(typoHome, { recursive: true, force: true });
    }
  });

  // readFileSync would never return on /dev/zero (or exhaust memory on a huge file).
  it("a config.yaml linked to a device is refused at once: exit 2 naming the file", () => {
    const linkHome = mkdtempSync(join(tmpdir(), "gw-devzero-"));
    try {
      symlinkSync("/dev/zero", join(linkHome, "config.yaml"));
      const r = spawnSync(process.execPath, [BIN, "run", "--check"], {
        env: { ...env, ...relay, HERMES_HOME: linkHome },
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(
        `config.yaml (from ${join(linkHome, "config.yaml")}): cannot be read (is not a regular file (a device or socket))`,
      );
    } finally {
      rmSync(linkHome, { recursive: true, force: true });
    }
  });

  // A blocking open of a pipe nothing writes to never returns: the bin would hang at boot.
  it(
    "a .env served through a named pipe is read; one nothing writes to is exit 2 after 30 s, naming it",
    { timeout: 120_000 },
    async () => {
      const pipeHome = mkdtempSync(join(tmpdir(), "gw-pipe-"));
      const fifo = join(pipeHome, ".env");
      try {
        execFileSync("mkfifo", [fifo]);
        const writer = spawn(process.execPath, [
          "-e",
          `require("fs").writeFileSync(${JSON.stringify(fifo)}, "GATEWAY_LOG_LEVEL=loud\\n")`,
        ]);
        const written = new Promise((resolve) => writer.on("exit", resolve));
        const served = spawnSync(process.execPath, [BIN, "run", "--check"], {
          env: { ...env, ...relay, HERMES_HOME: pipeHome },
          encoding: "utf8",
          timeout: 60_000,
        });
        await written;
        // The pipe's content was read: its (invalid) value is what the check refuses.
        expect(served.status).toBe(2);
        expect(served.stderr).toContain(`GATEWAY_LOG_LEVEL (from .env): expected one of`);

        const silent = spawnSync(process.execPath, [BIN, "run", "--check"], {
          env: { ...env, ...relay, HERMES_HOME: pipeHome },
          encoding: "utf8",
          timeout: 90_000,
        });
        expect(silent.status).toBe(2);
        expect(silent.stderr).toContain(
          `.env (from ${fifo}): cannot be read (is a named pipe and nothing wrote to it within 30 s)`,
        );
      } finally {
        rmSync(pipeHome, { recursive: true, force: true });
      }
    },
  );

  it("errors are one JSON line on stderr: configuration (exit 2) and usage (exit 2)", () => {
    const bad = spawnSync(process.execPath, [BIN, "run", "--check", "--json"], {
      env: { ...env, GATEWAY_LOG_LEVEL: "loud" },
      encoding: "utf8",
    });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expect(JSON.parse(bad.stderr)).toMatchObject({
      error: {
        code: "SETTINGS_INVALID_VALUE",
        message: expect.stringContaining("GATEWAY_LOG_LEVEL (from env)"),
      },
    });
    const usage = gw(["run", "--json", "--bogus"]);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.err)).toEqual({
      error: {
        code: "unknown-option",
        message: "unknown option '--bogus'",
        hints: ["Run `hermes-gateway run --help` for usage."],
      },
    });
    const alone = gw(["run", "--json"]);
    expect(alone.code).toBe(2);
    expect(JSON.parse(alone.err)).toMatchObject({
      error: { code: "usage", message: "--json goes with --check (run --check --json)" },
    });
  });
});

/** The shell's own syntax check (`zsh -n`, `fish --no-execute`) passes, when that shell is installed. */
function expectValidSyntax(shell: string, checkFlag: string, script: string): void {
  const check = shellSyntaxCheck(shell, checkFlag, script);
  if (check === null) return;
  expect(check.stderr).toBe("");
  expect(check.status).toBe(0);
}

describe("hermes-gateway completion <bash|zsh|fish>", () => {
  it("bash: sourced in a bash child, completes subcommands, options and argument choices from the command tree", () => {
    const r = gw(["completion", "bash"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(bashComplete(r.out, "_hermes_gateway_completion", "hermes-gateway dev-c")).toEqual([
      "dev-connector",
    ]);
    expect(bashComplete(r.out, "_hermes_gateway_completion", "hermes-gateway ")).toEqual(
      expect.arrayContaining(["run", "dev", "dev-connector", "completion", "help"]),
    );
    expect(bashComplete(r.out, "_hermes_gateway_completion", "hermes-gateway run --c")).toEqual([
      "--check",
      "--connect",
    ]);
    // Flags already typed do not change the command path.
    expect(
      bashComplete(
        r.out,
        "_hermes_gateway_completion",
        "hermes-gateway dev-connector --verbose --enroll",
      ),
    ).toEqual(["--enroll-token"]);
    expect(bashComplete(r.out, "_hermes_gateway_completion", "hermes-gateway completion ")).toEqual(
      expect.arrayContaining(["bash", "zsh", "fish"]),
    );
    // A flag's value: its known values, else nothing.
    expect(
      bashComplete(r.out, "_hermes_gateway_completion", "hermes-gateway dev --platform "),
    ).toEqual(["relay", "imessage"]);
    expect(
      bashComplete(r.out, "_hermes_gateway_completion", "hermes-gateway dev --agent "),
    ).toEqual(["echo"]);
    expect(
      bashComplete(r.out, "_hermes_gateway_completion", "hermes-gateway dev-connector --port "),
    ).toEqual([]);
  });

  it("zsh: a #compdef script with one case per command path (zsh -n when zsh is installed)", () => {
    const r = gw(["completion", "zsh"]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toBe("#compdef hermes-gateway");
    expect(r.out).toContain("('hermes-gateway run') candidates=('--check' '--connect'");
    expect(r.out).toContain("compdef _hermes_gateway hermes-gateway");
    expectValidSyntax("zsh", "-n", r.out);
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
    expectValidSyntax("fish", "--no-execute", r.out);
  });

  it("an unknown shell is a usage error: ✗ message, a pointer to --help, exit 2", () => {
    const r = gw(["completion", "csh"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      "✗ command-argument value 'csh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.\n  Run `hermes-gateway completion --help` for usage.\n",
    );
  });
});

describe("hermes-gateway dev-connector errors", () => {
  it("a port already taken: the ✗ style with the next step, exit 1", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const r = gw(["dev-connector", "--port", String(port)]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        `✗ could not listen on 127.0.0.1:${port} (EADDRINUSE)\n  Pick another --port.\n`,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
