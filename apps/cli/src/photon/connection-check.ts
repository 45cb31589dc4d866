// The connection check of `hermes photon setup`, on the gateway's own code path:
// @hermes/photon-channel's checkPhotonConnection (the channel's token issue and the subscription
// its watch opens), loaded only when setup runs the check — it loads the spectrum-ts SDK. The
// endpoints come from the environment the gateway reads them from (SPECTRUM_CLOUD_URL is read by
// the SDK itself).
import type { CliContext } from "../context.js";
import type { ConnectionCheckResult, ProjectCredentials } from "./ports.js";

export async function checkImessageConnection(
  ctx: CliContext,
  creds: ProjectCredentials,
): Promise<ConnectionCheckResult> {
  const { checkPhotonConnection } = await import("@hermes/photon-channel");
  const setting = (key: string) => ctx.env[key]?.trim() || undefined;
  return checkPhotonConnection({
    projectId: creds.projectId,
    projectSecret: creds.projectSecret,
    imessageAddress: setting("SPECTRUM_IMESSAGE_ADDRESS"),
    dedicatedLineAddress: setting("PHOTON_DEDICATED_LINE_ADDRESS"),
  });
}
