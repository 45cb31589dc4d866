// URL mapping between the configured relay URL, the WebSocket dial target and the
// connector's HTTP base for its management routes (docs/contract/relay.md#dial-url).

/** Thrown for a relay URL that is not an absolute http(s)/ws(s) URL. Never includes credentials. */
export class InvalidRelayUrlError extends Error {
  readonly code = "RELAY_URL_INVALID";
  constructor(reason: string) {
    super(
      `Invalid relay URL: ${reason}. Expected something like wss://connector.example.com/relay.`,
    );
    this.name = "InvalidRelayUrlError";
  }
}

const SCHEMES: Record<string, { ws: string; http: string }> = {
  "http:": { ws: "ws:", http: "http:" },
  "ws:": { ws: "ws:", http: "http:" },
  "https:": { ws: "wss:", http: "https:" },
  "wss:": { ws: "wss:", http: "https:" },
};

function parse(url: string): { url: URL; scheme: { ws: string; http: string } } {
  if (typeof url !== "string" || url.trim() === "") throw new InvalidRelayUrlError("it is empty");
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new InvalidRelayUrlError("it is not an absolute URL");
  }
  const scheme = SCHEMES[parsed.protocol];
  if (scheme === undefined)
    throw new InvalidRelayUrlError(
      `scheme ${JSON.stringify(parsed.protocol)} is not http, https, ws or wss`,
    );
  if (parsed.username !== "" || parsed.password !== "")
    throw new InvalidRelayUrlError("it must not carry a user name or password");
  if (parsed.search !== "" || parsed.hash !== "")
    throw new InvalidRelayUrlError("it must not carry a query or fragment");
  return { url: parsed, scheme };
}

/**
 * `pathname` without its trailing `/`s. A loop, not `/\/+$/`: that regex restarts at every `/` of
 * a long run and fails at its end each time (quadratic on a string of slashes).
 */
function trimPath(pathname: string): string {
  let end = pathname.length;
  while (end > 0 && pathname.charCodeAt(end - 1) === 0x2f) end--;
  return pathname.slice(0, end);
}

/**
 * The WebSocket dial target: `https→wss`, `http→ws`, trailing `/` removed, `/relay`
 * appended unless already there. Idempotent. Throws {@link InvalidRelayUrlError}.
 */
export function relayDialUrl(url: string): string {
  const { url: u, scheme } = parse(url);
  let path = trimPath(u.pathname);
  if (!path.endsWith("/relay")) path += "/relay";
  return `${scheme.ws}//${u.host}${path}`;
}

/**
 * The connector's HTTP base for `/relay/enroll`, `/relay/policy`, …: `ws→http`,
 * `wss→https`, trailing `/` and one trailing `/relay` removed. Idempotent.
 * Throws {@link InvalidRelayUrlError}.
 */
export function relayHttpBase(url: string): string {
  const { url: u, scheme } = parse(url);
  let path = trimPath(u.pathname);
  if (path.endsWith("/relay")) path = trimPath(path.slice(0, -"/relay".length));
  return `${scheme.http}//${u.host}${path}`;
}
