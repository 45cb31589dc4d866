// Put media into a ReferenceConnector's store as if a user had attached it: the returned
// `{base}/relay/media/{id}` is what an inbound event's `media[].url` names. Fetching it needs
// the gateway's bearer (the connector's GET route checks it, see connector-http.ts).
import { randomBytes } from "node:crypto";
import type { ReferenceConnector } from "./reference-connector.js";

export function publishMedia(
  c: ReferenceConnector,
  bytes: Buffer,
  opts: { contentType?: string; filename?: string } = {},
): { id: string; url: string } {
  const id = randomBytes(12).toString("hex");
  c.media.set(id, {
    bytes,
    contentType: opts.contentType ?? "application/octet-stream",
    filename: opts.filename ?? null,
  });
  return { id, url: `${c.baseUrl}/relay/media/${id}` };
}
