// `hermes-gateway run --check --connect` with PHOTON_ENABLED: the channel's own connection check
// (@hermes/photon-channel's checkPhotonConnection: its token request and the subscription its
// watch opens, first frame on every line), as `hermes photon setup` runs it. Loaded only here: it
// loads the spectrum-ts SDK. Exit codes as `run`: 0 connected, 1 unreachable or no answer in time,
// 2 credentials missing or refused (a configuration problem).
import type { GatewayConfig } from "../config/resolve.js";
import { PHOTON_CREDENTIALS_MISSING, photonCredentials } from "../photon/credentials.js";
import { EXIT } from "../runtime/gateway.js";
import type { ConnectCheckResult } from "./check-connect.js";

export async function checkPhotonConnect(
  config: GatewayConfig,
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs: number,
): Promise<ConnectCheckResult> {
  const credentials = await photonCredentials(config.home, env);
  if (credentials === null)
    return { code: EXIT.config, lines: [`✗ ${PHOTON_CREDENTIALS_MISSING}`] };
  const { checkPhotonConnection } = await import("@hermes/photon-channel");
  const started = performance.now();
  const check = await checkPhotonConnection({
    ...credentials,
    imessageAddress: config.photon.imessageAddress.value,
    dedicatedLineAddress: config.photon.dedicatedLineAddress.value,
    timeoutMs,
  });
  const ms = Math.round(performance.now() - started);
  if (check.ok)
    return {
      code: EXIT.ok,
      lines: [
        `✓ Photon iMessage: ${check.lineKind} line${check.lines.length === 1 ? "" : "s"} subscribed (${check.lines
          .map((l) => (l.phone === null ? l.line : `${l.line} ${l.phone}`))
          .join(", ")}) in ${ms} ms`,
      ],
    };
  const refused = check.failure === "auth_or_config";
  return {
    code: refused ? EXIT.config : EXIT.failure,
    lines: [
      `✗ Photon iMessage: ${check.step} failed (${check.failure}${check.line === undefined ? "" : `, line ${check.line}`})`,
      refused
        ? "  Photon refused the project credentials: run `hermes photon setup` (or check PHOTON_PROJECT_ID / PHOTON_PROJECT_SECRET)."
        : "  Check the network path to Photon, then retry.",
    ],
  };
}
