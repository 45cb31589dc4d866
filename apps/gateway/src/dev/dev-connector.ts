// `hermes-gateway dev-connector`: the reference connector alone, for testing a gateway
// written in any language. Prints one JSON line {"url", "controlUrl", "controlToken"} (plus
// "enrollmentToken" with --enroll-token) on stdout, then serves until SIGINT/SIGTERM. The control token is printed on purpose: it is
// this run's key to the control API (`Authorization: Bearer <controlToken>`), for the
// developer who started it; a web page on the same machine cannot read it.
import { ReferenceConnector } from "@hermes/relay-adapter/testing";

export class DevConnectorUsageError extends Error {
  readonly code = "GATEWAY_USAGE";
}

/** Parse `--gateway ID:SECRET` values (the secret may contain ':'). */
export function parseGatewayCredentials(values: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of values) {
    const i = v.indexOf(":");
    const id = i === -1 ? "" : v.slice(0, i).trim();
    const secret = i === -1 ? "" : v.slice(i + 1);
    if (id === "" || secret.trim() === "") {
      throw new DevConnectorUsageError(
        "--gateway expects ID:SECRET (both non-empty), e.g. --gateway gw-test:$(openssl rand -hex 32)",
      );
    }
    (out[id] ??= []).push(secret);
  }
  return out;
}

export function parsePort(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new DevConnectorUsageError(
      `--port expects an integer from 0 to 65535, got ${JSON.stringify(value)}`,
    );
  return n;
}

export async function runDevConnector(opts: {
  readonly port: number;
  readonly gateways: Record<string, string[]>;
  readonly verbose: boolean;
  /** Mint a single-use enrollment token at start (more: `POST /dev/enrollment-token`). */
  readonly enrollToken?: boolean;
  /** Decline replies the connector's egress guard would (docs/contract/relay-routing.md#8-what-the-reference-connector-enforces). */
  readonly egressGuard?: boolean;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}): Promise<number> {
  const unauthenticated = Object.keys(opts.gateways).length === 0;
  const connector = new ReferenceConnector({
    port: opts.port,
    gateways: opts.gateways,
    allowUnauthenticated: unauthenticated,
    egressGuard: opts.egressGuard === true,
  });
  try {
    await connector.start();
  } catch (e) {
    opts.err.write(
      `✗ could not listen on 127.0.0.1:${opts.port} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n  Pick another --port.\n`,
    );
    return 1;
  }
  if (opts.verbose) {
    connector.on("frame", (f: { direction: string; gatewayId: string; frame: unknown }) => {
      opts.err.write(
        `${f.direction === "in" ? "←" : "→"} ${f.gatewayId} ${JSON.stringify(f.frame)}\n`,
      );
    });
  }
  const enrollment =
    opts.enrollToken === true ? { enrollmentToken: connector.issueEnrollmentToken() } : {};
  opts.out.write(
    `${JSON.stringify({ url: connector.url, controlUrl: connector.controlUrl, controlToken: connector.controlToken, ...enrollment })}\n`,
  );
  if (unauthenticated)
    opts.err.write(
      '⚠ no --gateway given: accepting dials without Authorization as gateway "anonymous"\n',
    );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await connector.stop();
  return 0;
}
