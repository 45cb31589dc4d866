// The gateway's logger: pino JSON lines, or pino-pretty for people (GATEWAY_LOG_FORMAT; by
// default pretty when stdout is a TTY). Every line carries `pid` and `version`. Secrets are
// kept out twice over: known secret-bearing paths are redacted, and every serialized line is
// scrubbed of the configured secret VALUES (raw and JSON-escaped) before it is written, so a
// secret that leaks into a message string or an unexpected field is still hidden.
import { createSecretScrubber } from "@hermes/settings";
import { createRequire } from "node:module";
import pino, { type DestinationStream, type Logger } from "pino";
import type pinoPretty from "pino-pretty";

// pino-pretty (and its dependencies) load only for pretty output: a daemon logging JSON under
// a supervisor should not pay for them at start-up (the scale-to-zero wake path waits on it).
const loadPretty = (): typeof pinoPretty =>
  createRequire(import.meta.url)("pino-pretty") as typeof pinoPretty;

export type LogFormat = "json" | "pretty";
export const LOG_FORMATS: readonly LogFormat[] = ["json", "pretty"];

/** The configured format, else pretty for a terminal and JSON for everything else (files, journald, pipes). */
export function chooseLogFormat(configured: LogFormat | null, stdoutIsTTY: boolean): LogFormat {
  return configured ?? (stdoutIsTTY ? "pretty" : "json");
}

/** Colour only for a terminal, and never when NO_COLOR is set to a non-empty value (no-color.org). */
export function colorAllowed(
  env: Readonly<Record<string, string | undefined>>,
  stdoutIsTTY: boolean,
): boolean {
  return stdoutIsTTY && (env["NO_COLOR"] ?? "") === "";
}

export const REDACT_PATHS = [
  "secret",
  "*.secret",
  "relaySecret",
  "*.relaySecret",
  "deliveryKey",
  "*.deliveryKey",
  "token",
  "*.token",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
];

export interface LoggerOptions {
  readonly level: string;
  /** Exact secret values to scrub from every line (empty strings are ignored). */
  readonly secrets: readonly string[];
  readonly format: LogFormat;
  /** ANSI colours in pretty output (see {@link colorAllowed}). Default false. */
  readonly color?: boolean;
  /** The gateway's version, on every line. */
  readonly version?: string;
  /** Default: this process's pid. */
  readonly pid?: number;
  /** Where lines go; defaults to stdout. */
  readonly destination?: DestinationStream;
}

/** The one scrubber of @hermes/settings: config errors and log lines hide secrets the same way. */
export const createScrubber = createSecretScrubber;

export function createLogger(opts: LoggerOptions): Logger {
  const scrub = createScrubber(opts.secrets);
  const version = opts.version ?? "0.0.0-dev";
  const destination =
    opts.format === "pretty"
      ? loadPretty()({
          colorize: opts.color === true,
          sync: true,
          translateTime: "SYS:HH:MM:ss",
          destination: opts.destination ?? 1,
          // The header reads `(hermes-gateway@0.1.0/1234)`: name, version and pid on every line.
          ignore: "hostname,version",
          customPrettifiers: { name: (name) => `${String(name)}@${version}` },
        })
      : (opts.destination ?? pino.destination({ sync: true }));
  return pino(
    {
      level: opts.level,
      base: { name: "hermes-gateway", pid: opts.pid ?? process.pid, version },
      redact: { paths: REDACT_PATHS, censor: "<hidden>" },
      hooks: { streamWrite: scrub },
    },
    destination,
  );
}
