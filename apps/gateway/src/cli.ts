// hermes-gateway: command tree. Exit codes: 0 ok, 1 failure, 2 invalid configuration or
// usage, 3 relay disabled (the connector revoked this gateway's secret).
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ConfigError } from "./config/errors.js";
import { resolveConfig, type GatewayConfig } from "./config/resolve.js";
import { describeConfig } from "./config/summary.js";
import { createLogger } from "./ops/logger.js";
import { EXIT, GatewayRuntime } from "./runtime/gateway.js";
import { keepYoungGenerationSmall } from "./runtime/young-generation.js";

declare const __GATEWAY_VERSION__: string | undefined;
const VERSION = typeof __GATEWAY_VERSION__ === "string" ? __GATEWAY_VERSION__ : "0.0.0-dev";


function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ConfigError(path, "file", `cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}); check its permissions`);
  }
}

/** Resolve the configuration from `env`, or exit 2 naming the bad key and its source. */
function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): GatewayConfig {
  let config: GatewayConfig;
  try {
    config = resolveConfig({ env, readFile: readIfExists });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`hermes-gateway: ${e.message}\n`);
      process.exit(EXIT.config);
    }
    throw e;
  }
  for (const w of config.warnings) process.stderr.write(`hermes-gateway: warning: ${w}\n`);
  return config;
}

/** Run the gateway until SIGINT/SIGTERM (drain, exit 0) or a revocation (exit 3). */
async function runUntilSignal(config: GatewayConfig): Promise<never> {
  const youngGeneration = keepYoungGenerationSmall();
  const log = createLogger({ level: config.logLevel.value, secrets: config.secretValues, pretty: process.stdout.isTTY === true });
  log.debug({ youngGeneration }, "V8 young generation");
  const runtime = await GatewayRuntime.start({ config, log, env: process.env });
  let signals = 0;
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      if (++signals > 1) {
        log.warn({ signal: sig }, "second signal: exiting without draining");
        process.exit(EXIT.failure);
      }
      void runtime.stop(sig);
    });
  }
  const code = await runtime.exited;
  process.exit(code);
}


const program = new Command()
  .name("hermes-gateway")
  .description("The daemon that runs the Hermes relay link and hands messages to an agent.")
  .version(VERSION, "-V, --version")
  .exitOverride()
  .showHelpAfterError();

program
  .command("run")
  .description("Resolve configuration (env > $HERMES_HOME/.env > config.yaml > defaults) and run the gateway")
  .option("--check", "validate and print the resolved configuration (secrets hidden), then exit 0")
  .action(async (opts: { check?: boolean }) => {
    const config = loadConfig();
    if (opts.check) {
      process.stdout.write(describeConfig(config).join("\n") + "\n");
      process.exit(EXIT.ok);
    }
    if (!config.relayEnabled.value) {
      const why = config.relayEnabled.source === "config.yaml" ? "platforms.relay.enabled is false in config.yaml" : "GATEWAY_RELAY_URL is not set";
      process.stderr.write(`hermes-gateway: nothing to run: the relay is off (${why}). Set GATEWAY_RELAY_URL (see \`hermes gateway enroll\`), or try \`hermes-gateway dev\`.\n`);
      process.exit(EXIT.config);
    }
    await runUntilSignal(config);
  });

program
  .command("dev")
  .description("Embedded default: an in-process reference connector, the gateway connected to it, and a simulated chat")
  .option("--script <messages...>", "send these messages one by one, print each reply, exit 0 once all replies arrived")
  .option("--verbose", "print the frames on the link (and the gateway's info logs on stderr)")
  .option("--agent <spec>", "agent backend for this session: echo, exec:<command> or an http(s) URL (default: GATEWAY_AGENT or echo)")
  .action(async (opts: { script?: string[]; verbose?: boolean; agent?: string }) => {
    const { runDev } = await import("./dev/dev.js");
    const code = await runDev({
      ...(opts.script !== undefined ? { script: opts.script } : {}),
      verbose: opts.verbose === true,
      resolve: (overlay) => loadConfig({ ...process.env, ...(opts.agent !== undefined ? { GATEWAY_AGENT: opts.agent } : {}), ...overlay }),
      env: process.env,
      out: process.stdout,
      input: process.stdin,
      color: process.stdout.isTTY === true && !process.env.NO_COLOR,
    });
    process.exit(code);
  });

program
  .command("dev-connector")
  .description("The reference connector alone, for testing a gateway written in any language; prints {\"url\", \"controlUrl\", \"controlToken\"}")
  .option("--port <n>", "port on 127.0.0.1 (default: any free port)")
  .option("--gateway <id:secret...>", "accepted gateway credentials (repeatable); none: accept dials without Authorization")
  .option("--verbose", "print every frame on stderr")
  .action(async (opts: { port?: string; gateway?: string[]; verbose?: boolean }) => {
    const { DevConnectorUsageError, parseGatewayCredentials, parsePort, runDevConnector } = await import("./dev/dev-connector.js");
    let port: number;
    let gateways: Record<string, string[]>;
    try {
      port = parsePort(opts.port);
      gateways = parseGatewayCredentials(opts.gateway ?? []);
    } catch (e) {
      if (e instanceof DevConnectorUsageError) {
        process.stderr.write(`hermes-gateway: ✗ ${e.message}\n`);
        process.exit(EXIT.config);
      }
      throw e;
    }
    process.exit(await runDevConnector({ port, gateways, verbose: opts.verbose === true, out: process.stdout, err: process.stderr }));
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? EXIT.ok : EXIT.config);
  }
  process.stderr.write(`hermes-gateway: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(EXIT.failure);
}
