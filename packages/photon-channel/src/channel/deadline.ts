// A bound on waits that the network can stretch forever (a call on a half-open connection, a
// client that does not close): the caller goes on, and the late result is ignored.

export class DeadlineError extends Error {
  readonly code = "PHOTON_DEADLINE";
  constructor(what: string, ms: number) {
    super(`${what} did not settle within ${ms} ms`);
    this.name = "DeadlineError";
  }
}

export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
  });
  // A late rejection of `work` after the deadline is not an unhandled one.
  work.catch(() => undefined);
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
