// Signals that arrive while the bin is still loading. The bin's entry (bin.ts) holds SIGINT,
// SIGTERM and SIGHUP from its first statement, before the command tree and its dependencies
// load (~100 ms of a cold start), and records them here: `run` takes them over (a signal during
// start-up drains like any other), every other command gives them their default action back.
// Before the entry runs (Node's own start-up, a few tens of ms) a signal has its default action.

export const HELD_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

interface Held {
  readonly signals: NodeJS.Signals[];
  readonly listener: (signal: NodeJS.Signals) => void;
}

let held: Held | null = null;

/** From the bin's first statement: record the signals until a command takes them. */
export function holdEarlySignals(): void {
  if (held !== null) return;
  const signals: NodeJS.Signals[] = [];
  const listener = (signal: NodeJS.Signals): void => void signals.push(signal);
  for (const sig of HELD_SIGNALS) process.on(sig, listener);
  held = { signals, listener };
}

/** Stop holding; the signals held, in order (the caller handles them). */
export function takeEarlySignals(): NodeJS.Signals[] {
  if (held === null) return [];
  for (const sig of HELD_SIGNALS) process.off(sig, held.listener);
  const signals = held.signals;
  held = null;
  return signals;
}

/** Stop holding and act on a held signal as if it had never been held (its default action). */
export function releaseEarlySignals(): void {
  const first = takeEarlySignals()[0];
  if (first !== undefined) process.kill(process.pid, first);
}
