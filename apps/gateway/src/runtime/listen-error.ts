// A listener the configuration asks for (the health endpoint, the signed-HTTP receiver) that
// cannot listen at start-up: the error names the settings, and the exit code says whether a
// restart can help. Only a port this user may not bind is a configuration error (exit 2, like
// any invalid setting: a supervisor does not restart it). Everything else may pass: a port held
// by another process, an address not assigned yet at boot (DHCP, IPv6 duplicate address
// detection), a name that does not resolve yet, a descriptor or memory shortage (exit 1: a
// supervisor restarts). A host that is not a host at all is refused earlier, at resolve time.
import type { Sourced } from "@hermes/settings";

const REASONS: Record<string, string> = {
  EADDRINUSE: "the port is in use by another process",
  EADDRNOTAVAIL: "this machine has no such address",
  EACCES: "permission denied (ports below 1024 need privileges)",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name could not be resolved now",
};

/** Codes a restart cannot cure; every other one may pass. */
const CONFIGURATION = new Set(["EACCES"]);

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
    this.exitCode = CONFIGURATION.has(code) ? 2 : 1;
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
