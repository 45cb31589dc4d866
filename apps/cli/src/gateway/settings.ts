// Relay URLs as the CLI uses them for enrollment. The settings themselves (keys, layers,
// defaults, URL and secret policy) come from @hermes/settings, shared with hermes-gateway.

import { stripTrailingSlashes } from "@hermes/settings";

/**
 * The connector's HTTP base for enrollment from a relay URL: ws→http, wss→https, trailing
 * `/` and one trailing `/relay` segment removed. Returns undefined for an unusable URL.
 */
export function connectorBaseUrl(raw: string): URL | undefined {
  let s = stripTrailingSlashes(raw.trim());
  if (s.startsWith("ws://")) s = `http://${s.slice(5)}`;
  else if (s.startsWith("wss://")) s = `https://${s.slice(6)}`;
  if (s.endsWith("/relay")) s = s.slice(0, -"/relay".length);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.search || url.hash || url.username || url.password) return undefined;
  return url;
}

/** `base` + `/relay/enroll`, keeping any path prefix of the base. */
export function enrollUrl(base: URL): URL {
  const prefix = stripTrailingSlashes(base.pathname);
  return new URL(`${prefix}/relay/enroll`, base.origin);
}
