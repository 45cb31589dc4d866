// The gateway's logger: pino JSON lines, or pino-pretty when stdout is a TTY. Secrets are
// kept out twice over: known secret-bearing paths are redacted, and every serialized line
// is scrubbed of the configured secret VALUES (raw and JSON-escaped) before it is written,
// so a secret that leaks into a message string or an unexpected field is still hidden.
import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";

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
  /** Human-readable output (use `process.stdout.isTTY`). */
  readonly pretty: boolean;
  /** Where lines go; defaults to stdout. */
  readonly destination?: DestinationStream;
}

export function createScrubber(secrets: readonly string[]): (line: string) => string {
  const needles = [...new Set(secrets.filter((s) => s.length >= 4).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))].sort(
    (a, b) => b.length - a.length,
  );
  if (needles.length === 0) return (l) => l;
  return (line) => {
    let out = line;
    for (const n of needles) if (out.includes(n)) out = out.split(n).join("<hidden>");
    return out;
  };
}

export function createLogger(opts: LoggerOptions): Logger {
  const scrub = createScrubber(opts.secrets);
  const destination = opts.pretty
    ? pretty({ colorize: opts.destination === undefined, sync: true, translateTime: "SYS:HH:MM:ss", destination: opts.destination ?? 1 })
    : (opts.destination ?? pino.destination({ sync: true }));
  return pino(
    {
      level: opts.level,
      base: { name: "hermes-gateway" },
      redact: { paths: REDACT_PATHS, censor: "<hidden>" },
      hooks: { streamWrite: scrub },
    },
    destination,
  );
}
