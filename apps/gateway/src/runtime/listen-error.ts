// A listener the configuration asks for (the health endpoint, the signed-HTTP receiver) that
// cannot listen at start-up: the error names the settings, and the exit code says whether a
// restart can help. A port held by another process may be free on the next try (exit 1: a
// supervisor restarts); an address this machine does not have, a name that does not resolve, or
// a port this user may not bind will not change by restarting (exit 2, like any invalid setting).
import type { Sourced } from "@hermes/settings";

const REASONS: Record<string, string> = {
  EADDRINUSE: "the port is in use by another process",
  EADDRNOTAVAIL: "this machine has no such address",
  EACCES: "permission denied (ports below 1024 need privileges)",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name could not be resolved now",
};

/** Codes a restart may cure; every other one is the configuration's. */
const TRANSIENT = new Set(["EADDRINUSE", "EAI_AGAIN"]);

export class ListenError extends Error {
  readonly exitCode: number;
  constructor(
    what: string,
    host: Sourced<string>,
    port: Sourced<number>,
    hostKey: string,
    portKey: string,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? "error";
    const named = (s: Sourced<unknown>, key: string) =>
      `${s.key || key} (${s.source === "default" ? "default" : `from ${s.source}`})`;
    super(
      `${what} cannot listen on ${host.value}:${port.value} (${named(host, hostKey)}, ${named(port, portKey)}): ${REASONS[code] ?? (cause as Error | undefined)?.message ?? code} (${code})`,
    );
    this.name = "ListenError";
    // EXIT.failure, EXIT.config (runtime/gateway.ts, which imports this module).
    this.exitCode = TRANSIENT.has(code) ? 1 : 2;
  }
}

/** `start()`, its failure as a ListenError. */
export async function listening<T>(
  what: string,
  host: Sourced<string>,
  port: Sourced<number>,
  keys: { readonly host: string; readonly port: string },
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (e) {
    throw new ListenError(what, host, port, keys.host, keys.port, e);
  }
}
