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

/**
 * Longest string a log line carries in one field or as its message: longer ones (a peer's text,
 * an error the connector sent) are cut, their length told — one crafted frame must not make a
 * line of megabytes. Room for an exec agent's 4 KiB stderr tail.
 */
export const MAX_LOGGED_STRING = 8 * 1024;

/**
 * `value` cut to MAX_LOGGED_STRING characters (never inside a surrogate pair), its length told.
 * `scrub` runs first: a secret the cut would halve is hidden whole, not left as a prefix no
 * scrubber matches.
 */
export function capString(value: string, scrub: (text: string) => string = (t) => t): string {
  if (value.length <= MAX_LOGGED_STRING) return value;
  const length = value.length;
  value = scrub(value);
  if (value.length <= MAX_LOGGED_STRING) return value;
  let cut = MAX_LOGGED_STRING;
  const last = value.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${value.slice(0, cut)}… (${length} characters)`;
}

/**
 * The line's fields with every long string cut (see capString): at the top level and in plain
 * objects one level down (an Error is left to pino's serializer).
 */
export function capFields(
  fields: Record<string, unknown>,
  scrub?: (text: string) => string,
  depth = 0,
): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    let capped = value;
    if (typeof value === "string") {
      capped = capString(value, scrub);
    } else if (
      depth === 0 &&
      typeof value === "object" &&
      value !== null &&
      Object.getPrototypeOf(value) === Object.prototype
    ) {
      capped = capFields(value as Record<string, unknown>, scrub, 1);
    }
    if (capped !== value) {
      out ??= { ...fields };
      out[key] = capped;
    }
  }
  return out ?? fields;
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
      formatters: { log: (fields) => capFields(fields, scrub) },
      hooks: {
        streamWrite: scrub,
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++) {
            const a: unknown = args[i];
            if (typeof a === "string") args[i] = capString(a, scrub);
          }
          return method.apply(this, args);
        },
      },
    },
    destination,
  );
}
