// The optional logger every part of this package accepts (console fits), and the one way
// they call it: a logger that throws never breaks the link, the adapter or the receiver.

export interface RelayLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  /** Needs an operator (e.g. the secret is refused over and over). Absent → `warn` is used. */
  error?(message: string): void;
}

export type RelayLogLevel = keyof RelayLogger;

export function logSafely(
  logger: RelayLogger | undefined,
  level: RelayLogLevel,
  message: string,
): void {
  try {
    if (logger === undefined) return;
    // A logger written before `error` existed still hears about errors, at warn.
    if (level === "error" && typeof logger.error !== "function") logger.warn?.(message);
    else logger[level]?.(message);
  } catch {
    // Logging must never break the caller.
  }
}
