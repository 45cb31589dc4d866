// hermes-gateway: command tree. Exit codes: 0 ok, 1 failure, 2 invalid configuration or
// usage, 3 relay disabled (the connector revoked this gateway's secret).
import { readHomeFileText } from "@hermes/credential-store";
import {
  createSecretScrubber,
  GATEWAY_SECRET_KEYS,
  SettingsSource,
  type FlagLayer,
} from "@hermes/settings";
import { COMPLETION_SHELLS, suggestValues } from "@hermes/cli-completion/shells";
import { Argument, Command, Option } from "commander";
import { ignoreClosedStdio, parseCommandLine, printError, wantsJson } from "./command-line.js";
import { ConfigError } from "./config/errors.js";
import { resolveConfig, type GatewayConfig } from "./config/resolve.js";
import { configJson, describeConfig } from "./config/summary.js";
import { checkConnect, DEFAULT_CONNECT_TIMEOUT_MS } from "./ops/check-connect.js";
import { chooseLogFormat, colorAllowed, createLogger } from "./ops/logger.js";
import { EXIT, GatewayRuntime } from "./runtime/gateway.js";
import { ListenError } from "./runtime/listen-error.js";
import { keepYoungGenerationSmall } from "./runtime/young-generation.js";
import { checkJournal, JournalError, journalPath } from "./turns/journal.js";
import { killRunningAgents } from "./agent/exec.js";
import { HELD_SIGNALS, releaseEarlySignals, takeEarlySignals } from "./early-signals.js";

declare const __GATEWAY_VERSION__: string | undefined;
const VERSION = typeof __GATEWAY_VERSION__ === "string" ? __GATEWAY_VERSION__ : "0.0.0-dev";

/**
 * Resolve the configuration from `env` (and flags that stand for env vars, reported as
 * `--flag (from flag)`), or exit 2 naming the bad key and its source.
 */
function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  flags: FlagLayer = {},
): GatewayConfig {
  let config: GatewayConfig;
  try {
    // Bounded reads (a config.yaml linked to /dev/zero is refused, not read whole); a failure is
    // reported by @hermes/settings, naming the file.
    config = resolveConfig({ flags, env, readFile: readHomeFileText });
  } catch (e) {
    if (e instanceof ConfigError) {
      printError(e.message, [], e.code);
      process.exit(EXIT.config);
    }
    throw e;
  }
  // With --json the warnings are in the printed object.
  if (!wantsJson()) for (const w of config.warnings) process.stderr.write(`⚠ ${w}\n`);
  return config;
}

/** Exit 2 when neither the relay nor iMessage is on: `run` would have nothing to do. */
function refuseNothingToRun(config: GatewayConfig, connect: boolean): void {
  if (config.relayEnabled.value || config.photon.enabled.value) return;
  const why =
    config.relayEnabled.source === "config.yaml"
      ? "platforms.relay.enabled is false in config.yaml"
      : "GATEWAY_RELAY_URL is not set";
  printError(
    `nothing to ${connect ? "connect to" : "run"}: the relay is off (${why}).`,
    [
      "Set GATEWAY_RELAY_URL (see `hermes gateway enroll`) or PHOTON_ENABLED=1 (see `hermes photon setup`), or try `hermes-gateway dev`.",
    ],
    "relay-off",
  );
  process.exit(EXIT.config);
}

function usageError(message: string, command: string): never {
  printError(message, [`Run \`hermes-gateway ${command} --help\` for usage.`], "usage");
  process.exit(EXIT.config);
}

/** Run the gateway until SIGINT/SIGTERM/SIGHUP (drain, exit 0) or a revocation (exit 3). */
async function runUntilSignal(config: GatewayConfig): Promise<never> {
  const youngGeneration = keepYoungGenerationSmall();
  const tty = process.stdout.isTTY === true;
  const log = createLogger({
    level: config.logLevel.value,
    secrets: config.secretValues,
    format: chooseLogFormat(config.logFormat.value, tty),
    color: colorAllowed(process.env, tty),
    version: VERSION,
  });
  log.debug({ youngGeneration }, "V8 young generation");
  // The daemon's event loop is held deliberately for its whole life: the re-dial timers are
  // unref'd (a library must not keep its host alive), so without this a dropped link with
  // nothing else pending would end the process with status 0.
  const lifeline = setInterval(() => undefined, 1 << 30);
  // Signals are taken from the start: the link is dialed while start() still opens files and
  // ports, so a SIGTERM in that window must drain like any other, not kill the process.
  let runtime: GatewayRuntime | null = null;
  let stopWith: NodeJS.Signals | null = null;
  let signals = 0;
  for (const sig of HELD_SIGNALS) {
    process.on(sig, () => {
      if (++signals > 1) {
        log.warn({ signal: sig }, "second signal: exiting without draining");
        // The agents' own process groups would outlive us: stop them first.
        killRunningAgents();
        process.exit(EXIT.failure);
      }
      if (runtime === null) stopWith = sig;
      else void runtime.stop(sig);
    });
  }
  // Taken over from the bin's entry: signals while the bin loaded count like ones now (one stops
  // the start-up with a drain, a second exits at once).
  const early = takeEarlySignals();
  if (early.length > 1) {
    log.warn({ signal: early[1] }, "second signal: exiting without draining");
    process.exit(EXIT.failure);
  }
  stopWith = early[0] ?? null;
  signals = early.length;
  try {
    runtime = await GatewayRuntime.start({
      config,
      log,
      env: process.env,
      journal: true,
      version: VERSION,
    });
  } catch (e) {
    // A message may name a path or URL holding a secret (a relay id or URL path set to it).
    const scrub = createSecretScrubber(config.secretValues);
    if (e instanceof JournalError) {
      printError(scrub(e.message), [], "journal-unusable");
      process.exit(e.transient ? EXIT.failure : EXIT.config);
    }
    if (e instanceof ListenError) {
      printError(scrub(e.message), [], "listen-failed");
      process.exit(e.exitCode);
    }
    if ((e as { name?: unknown }).name === "PhotonStartError") {
      const code = (e as { code?: string }).code ?? "PHOTON_START_FAILED";
      printError(scrub((e as Error).message), [], code);
      process.exit(code === "PHOTON_START_FAILED" ? EXIT.failure : EXIT.config);
    }
    throw e;
  }
  if (stopWith !== null) void runtime.stop(stopWith);
  const code = await runtime.exited;
  clearInterval(lifeline);
  process.exit(code);
}

ignoreClosedStdio();

const program = new Command()
  .name("hermes-gateway")
  .description("The daemon that runs the Hermes relay link and hands messages to an agent.")
  .version(VERSION, "-V, --version", "print the version")
  .helpOption("-h, --help", "show help");

program
  .command("run")
  .description(
    "Resolve configuration (env > $HERMES_HOME/.env > config.yaml > defaults) and run the gateway",
  )
  .option(
    "--check",
    "validate and print the resolved configuration (secrets hidden); exit 0, or 2 for what run would refuse at boot",
  )
  .option(
    "--connect",
    "with --check: also dial the connector, handshake, print its descriptor and the round trip, disconnect; with PHOTON_ENABLED also subscribe to the iMessage line(s) (exit 0 ok, 1 unreachable, 2 Photon credentials refused, 3 relay secret refused)",
  )
  .option(
    "--timeout <ms>",
    "with --check --connect: give up after this long",
    String(DEFAULT_CONNECT_TIMEOUT_MS),
  )
  .option(
    "--json",
    "with --check: print the configuration as JSON on stdout (errors as JSON on stderr)",
  )
  .action(async (opts: { check?: boolean; connect?: boolean; timeout: string; json?: boolean }) => {
    // Only `run` itself drains on a signal; its checks end as a signal ends any command.
    if (opts.check) releaseEarlySignals();
    if (opts.connect && !opts.check)
      usageError("--connect needs --check (run --check --connect)", "run");
    if (opts.json && !opts.check)
      usageError("--json goes with --check (run --check --json)", "run");
    if (opts.json && opts.connect)
      usageError("--json is not offered with --connect (use run --check --json)", "run");
    const timeoutMs = /^\d{1,7}$/.test(opts.timeout) ? Number(opts.timeout) : 0;
    if (timeoutMs < 1)
      usageError(
        `--timeout expects milliseconds from 1 to 9999999, got ${JSON.stringify(opts.timeout)}`,
        "run",
      );
    const config = loadConfig();
    if (opts.check) {
      // URLs are already masked and secrets shown as <hidden>; the scrubber catches a secret
      // repeated elsewhere (say, inside an exec: command line).
      const scrub = createSecretScrubber(config.secretValues);
      // What the channel would ignore in PHOTON_ALLOWED_USERS, read by the channel's own parser.
      const ignored = config.photon.enabled.value
        ? (await import("@hermes/photon-channel")).parseAllowedUsers(
            config.photon.allowedUsers.value,
          ).rejected
        : [];
      const extra = ignored.map(
        (r) =>
          `PHOTON_ALLOWED_USERS (from ${config.photon.allowedUsers.source}): ${JSON.stringify(r.entry)} is not an E.164 number or an email address; it is ignored`,
      );
      if (!opts.json) for (const w of extra) process.stderr.write(`⚠ ${w}\n`);
      const json = configJson(config);
      const text = opts.json
        ? JSON.stringify({ ...json, warnings: [...json.warnings, ...extra] }, null, 2)
        : describeConfig(config).join("\n");
      process.stdout.write(scrub(text) + "\n");
      // What `run` would refuse at boot is refused here too (exit 2), not only the settings.
      refuseNothingToRun(config, opts.connect === true);
      const journals = [journalPath(config.home, config.relayId.value)];
      if (config.photon.enabled.value) {
        const { PHOTON_CREDENTIALS_MISSING, photonCredentials } =
          await import("./photon/credentials.js");
        const credentials = await photonCredentials(config.home, process.env);
        if (credentials === null) {
          printError(PHOTON_CREDENTIALS_MISSING, [], "PHOTON_CREDENTIALS_MISSING");
          process.exit(EXIT.config);
        }
        journals.push(journalPath(config.home, `photon-${credentials.projectId}`));
      }
      try {
        for (const path of journals) checkJournal(path);
      } catch (e) {
        if (!(e instanceof JournalError)) throw e;
        printError(scrub(e.message), [], "journal-unusable");
        process.exit(e.transient ? EXIT.failure : EXIT.config);
      }
      if (!opts.connect) process.exit(EXIT.ok);
    }
    refuseNothingToRun(config, opts.connect === true);
    if (opts.connect) {
      // The check's lines name the URL dialed and the gateway id: hidden where they hold a secret.
      const scrub = createSecretScrubber(config.secretValues);
      // Each channel that is on: the relay link, then iMessage; the exit code is the worse one.
      const results = [];
      if (config.relayEnabled.value) results.push(await checkConnect(config, { timeoutMs }));
      if (config.photon.enabled.value) {
        const { checkPhotonConnect } = await import("./ops/check-photon.js");
        results.push(await checkPhotonConnect(config, process.env, timeoutMs));
      }
      for (const result of results)
        (result.code === EXIT.ok ? process.stdout : process.stderr).write(
          scrub(result.lines.join("\n")) + "\n",
        );
      process.exit(Math.max(...results.map((r) => r.code)));
    }
    await runUntilSignal(config);
  });

program
  .command("dev")
  .description(
    "Embedded default: an in-process reference connector, the gateway connected to it, and a simulated chat",
  )
  .option(
    "--script <messages...>",
    "send these messages one by one, print each reply, exit 0 once all replies arrived",
  )
  .option("--verbose", "print the frames on the link (and the gateway's info logs on stderr)")
  .addOption(
    suggestValues(
      new Option(
        "--agent <spec>",
        "agent backend for this session: echo, exec:<command> or an http(s) URL (default: GATEWAY_AGENT or echo)",
      ),
      ["echo"],
    ),
  )
  .addOption(
    // Checked by the action (a usage error in this bin's style); the values are for completion.
    suggestValues(
      new Option(
        "--platform <name>",
        "relay (default) or imessage: a Spectrum fake in-process and the gateway with the real spectrum-ts SDK against it",
      ),
      ["relay", "imessage"],
    ),
  )
  .action(
    async (opts: { script?: string[]; verbose?: boolean; agent?: string; platform?: string }) => {
      if (opts.platform !== undefined && opts.platform !== "relay" && opts.platform !== "imessage")
        usageError(
          `--platform expects relay or imessage, got ${JSON.stringify(opts.platform)}`,
          "dev",
        );
      if (opts.platform === "imessage") {
        const config = loadConfig({
          ...process.env,
          ...(opts.agent !== undefined ? { GATEWAY_AGENT: opts.agent } : {}),
        });
        const { runDevImessage } = await import("./photon/dev-imessage.js");
        process.exit(
          await runDevImessage({
            ...(opts.script !== undefined ? { script: opts.script } : {}),
            verbose: opts.verbose === true,
            agent: opts.agent ?? process.env.GATEWAY_AGENT,
            agentTimeoutMs: config.agentTimeoutMs.value,
            env: process.env,
            out: process.stdout,
            err: process.stderr,
            input: process.stdin,
            color: colorAllowed(process.env, process.stdout.isTTY === true),
            self: [process.execPath, process.argv[1] ?? ""],
          }),
        );
      }
      const { runDev } = await import("./dev/dev.js");
      const code = await runDev({
        ...(opts.script !== undefined ? { script: opts.script } : {}),
        verbose: opts.verbose === true,
        resolve: (overlay) =>
          loadConfig(
            { ...process.env, ...overlay },
            { GATEWAY_AGENT: { flag: "--agent", value: opts.agent } },
          ),
        env: process.env,
        out: process.stdout,
        input: process.stdin,
        color: colorAllowed(process.env, process.stdout.isTTY === true),
        version: VERSION,
      });
      process.exit(code);
    },
  );

program
  .command("dev-connector")
  .description(
    'The reference connector alone, for testing a gateway written in any language; prints {"url", "controlUrl", "controlToken"}',
  )
  .option("--port <n>", "port on 127.0.0.1 (default: any free port)")
  .option(
    "--gateway <id:secret...>",
    "accepted gateway credentials (repeatable); none: accept dials without Authorization",
  )
  .option("--verbose", "print every frame on stderr")
  .option(
    "--enroll-token",
    'also print a fresh single-use enrollment token ("enrollmentToken") for `hermes gateway enroll`',
  )
  .option(
    "--egress-guard",
    "decline replies to chats not delivered to that gateway, or without their scope / user metadata (as a real connector does)",
  )
  .action(
    async (opts: {
      port?: string;
      gateway?: string[];
      verbose?: boolean;
      enrollToken?: boolean;
      egressGuard?: boolean;
    }) => {
      const { DevConnectorUsageError, parseGatewayCredentials, parsePort, runDevConnector } =
        await import("./dev/dev-connector.js");
      let port: number;
      let gateways: Record<string, string[]>;
      try {
        port = parsePort(opts.port);
        gateways = parseGatewayCredentials(opts.gateway ?? []);
      } catch (e) {
        if (e instanceof DevConnectorUsageError) {
          printError(e.message, ["Run `hermes-gateway dev-connector --help` for usage."], "usage");
          process.exit(EXIT.config);
        }
        throw e;
      }
      process.exit(
        await runDevConnector({
          port,
          gateways,
          verbose: opts.verbose === true,
          enrollToken: opts.enrollToken === true,
          egressGuard: opts.egressGuard === true,
          out: process.stdout,
          err: process.stderr,
        }),
      );
    },
  );

program
  .command("completion")
  .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(COMPLETION_SHELLS))
  .description(
    "print a shell completion script (e.g. `hermes-gateway completion bash > ~/.local/share/bash-completion/completions/hermes-gateway`)",
  )
  .action(async (shell: string) => {
    // Loaded on demand: the generator is not needed to start the daemon.
    const { completionScript } = await import("@hermes/cli-completion");
    process.stdout.write(completionScript(program, shell));
  });

// Every command but `run` acts on a signal the default way (`run` takes them over itself).
if (process.argv[2] !== "run") releaseEarlySignals();
try {
  const code = await parseCommandLine(program, process.argv.slice(2), EXIT.config);
  if (code !== null) process.exit(code);
} catch (e) {
  // What no command caught: the secrets the environment holds are hidden (a command that
  // resolved its settings scrubs its own errors with every source's secrets).
  const scrub = createSecretScrubber(
    new SettingsSource({
      env: process.env,
      dotenv: null,
      yamlText: null,
      secretKeys: GATEWAY_SECRET_KEYS,
    }).secretValues(),
  );
  printError(scrub(e instanceof Error ? e.message : String(e)), [], "internal");
  process.exit(EXIT.failure);
}
