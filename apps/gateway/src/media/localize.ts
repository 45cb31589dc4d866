// Inbound attachments handed to the agent as local files: each `media[i]` that names a
// connector media reference is downloaded into the gateway's media cache and gains `path`;
// one that cannot be (another origin, refused, too large, stalled…) keeps its URL and gains
// `error` instead. A failed download never fails the turn: the agent still gets the message.
import type { MediaDownloadResult, RelayMessageEvent } from "@hermes/relay-adapter";
import type { AgentEvent, AgentMediaItem } from "../agent/types.js";

/** More attachments than this in one message are left as URLs (each says why). */
export const MAX_LOCALIZED_MEDIA = 10;

export interface MediaDownloader {
  download(
    url: string,
    opts: {
      signal?: AbortSignal | undefined;
      mime?: string | null | undefined;
      filename?: string | null | undefined;
    },
  ): Promise<MediaDownloadResult>;
}

export interface LocalizeLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
}

export async function localizeMedia(
  event: RelayMessageEvent,
  media: MediaDownloader | null,
  signal: AbortSignal,
  log?: LocalizeLogger,
): Promise<AgentEvent> {
  if (event.media.length === 0) return event;
  const items = await Promise.all(
    event.media.map(async (m, i): Promise<AgentMediaItem> => {
      if (media === null)
        return { ...m, error: "media downloads are off (no relay URL or secret)" };
      if (i >= MAX_LOCALIZED_MEDIA)
        return { ...m, error: `only the first ${MAX_LOCALIZED_MEDIA} attachments are downloaded` };
      const r = await media.download(m.url, { signal, mime: m.mime, filename: m.filename });
      if (r.ok) return { ...m, path: r.path };
      if (r.code !== "MEDIA_NOT_RELAY_URL" && r.code !== "MEDIA_ABORTED")
        log?.warn({ code: r.code, err: r.message }, "inbound media not downloaded");
      return { ...m, error: r.message };
    }),
  );
  return { ...event, media: items };
}
