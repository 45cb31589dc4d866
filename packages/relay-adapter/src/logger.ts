// The optional logger every part of this package accepts (console fits), and the one way
// they call it: a logger that throws never breaks the link, the adapter or the receiver.

export interface RelayLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
}

export function logSafely(logger: RelayLogger | undefined, level: keyof RelayLogger, message: string): void {
  try {
    logger?.[level]?.(message);
  } catch {
    // Logging must never break the caller.
  }
}
