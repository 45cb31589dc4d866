// Relay URLs as the CLI uses them for enrollment. The settings themselves (keys, layers,
// defaults, URL and secret policy) come from @hermes/settings, shared with hermes-gateway.

import { relayHttpBase } from "@hermes/relay-adapter/protocol";
import { stripTrailingSlashes } from "@hermes/settings";

/**
 * The connector's HTTP base for enrollment from a relay URL (`relayHttpBase` of
 * @hermes/relay-adapter: ws→http, wss→https, trailing `/` and one trailing `/relay` removed) as
 * a URL, or undefined for an unusable one.
 */
export function connectorBaseUrl(raw: string): URL | undefined {
  try {
    return new URL(relayHttpBase(raw.trim()));
  } catch {
    return undefined;
  }
}

/** `base` + `/relay/enroll`, keeping any path prefix of the base. */
export function enrollUrl(base: URL): URL {
  const prefix = stripTrailingSlashes(base.pathname);
  return new URL(`${prefix}/relay/enroll`, base.origin);
}
