// `hermes gateway status --check`: dial and handshake with the shared check of
// @hermes/relay-adapter (as `hermes-gateway run --check --connect`). A body of its own, loaded
// by the command tree only with --check: the WebSocket client is most of the code a plain
// `status` would otherwise compile.
import { checkRelayConnection } from "@hermes/relay-adapter";
import { displayUrl, parseRelayBotIds, RELAY_KEYS, type RelayLinkSettings } from "@hermes/settings";
import type { LoadedSettings } from "../config-file.js";

export async function dialRelay(
  link: RelayLinkSettings,
  loaded: LoadedSettings,
  timeoutMs: number,
) {
  const botIdsRaw = loaded.settings.raw(RELAY_KEYS.botIds);
  const botIds = (botIdsRaw && parseRelayBotIds(botIdsRaw.value)) ?? {};
  return checkRelayConnection({
    url: link.relayUrl.value ?? "",
    gatewayId: link.relayId.value,
    secret: link.relaySecret.value,
    identities: link.relayPlatforms.value.map((platform) => ({
      platform,
      botId: botIds[platform]?.botId ?? "",
    })),
    timeoutMs,
    display: displayUrl,
  });
}
