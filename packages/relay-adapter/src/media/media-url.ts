// Which URLs are the connector's media references (docs/contract/relay-media.md): `{base}/relay/media/{id}`
// on the SAME origin as the relay (scheme, host and effective port) and exactly that path
// shape. Only those are fetched with the gateway's bearer: presenting it anywhere else would
// hand a credential to whoever controls the URL in an inbound event.

/** A media id: what a connector mints. No dots, slashes or escapes, so never a path traversal. */
const MEDIA_ID = /^[\w-]{1,128}$/;

export type MediaReference =
  { readonly ok: true; readonly id: string } | { readonly ok: false; readonly reason: string };

function effectivePort(u: URL): string {
  return u.port !== "" ? u.port : u.protocol === "https:" ? "443" : "80";
}

/**
 * Checks `url` against the connector's HTTP base (as `relayHttpBase` gives it). The raw text is
 * checked too: `new URL` resolves `..` and `%2e%2e`, and a reference must not need resolving.
 */
export function parseMediaReference(url: string, base: string): MediaReference {
  let cand: URL;
  let own: URL;
  try {
    cand = new URL(url);
    own = new URL(base);
  } catch {
    return { ok: false, reason: "not an absolute URL" };
  }
  if (cand.protocol !== "http:" && cand.protocol !== "https:")
    return { ok: false, reason: `scheme ${cand.protocol} is not http(s)` };
  if (
    cand.protocol !== own.protocol ||
    cand.hostname.toLowerCase() !== own.hostname.toLowerCase() ||
    effectivePort(cand) !== effectivePort(own)
  ) {
    return { ok: false, reason: "not the connector's origin" };
  }
  if (cand.username !== "" || cand.password !== "" || cand.search !== "" || cand.hash !== "") {
    return { ok: false, reason: "carries credentials, a query or a fragment" };
  }
  let basePath = own.pathname;
  while (basePath.endsWith("/")) basePath = basePath.slice(0, -1);
  const prefix = `${basePath}/relay/media/`;
  if (!cand.pathname.startsWith(prefix))
    return { ok: false, reason: "not a /relay/media/{id} path" };
  const id = cand.pathname.slice(prefix.length);
  if (!MEDIA_ID.test(id) || !url.includes(`/relay/media/${id}`))
    return { ok: false, reason: "not a valid media id" };
  return { ok: true, id };
}
