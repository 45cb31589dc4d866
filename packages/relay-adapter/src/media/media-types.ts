// Media kinds of the `send_media` op (docs/contract/relay.md#outbound-actions) and the few file types a chat
// platform renders natively. A short table on purpose: anything else is `document` /
// `application/octet-stream`, which every platform accepts as a file.

export const MEDIA_KINDS = ["image", "voice", "audio", "video", "document"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** A media object is 1 byte to 25 MiB (docs/contract/relay.md#media). */
export const MEDIA_MAX_BYTES = 25 * 1024 * 1024;

const BY_EXTENSION: Readonly<Record<string, string>> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ogg": "audio/ogg",
  ".oga": "audio/ogg",
  ".opus": "audio/ogg",
  ".mp3": "audio/mpeg",
  ".m4a": "audio/mp4",
  ".wav": "audio/wav",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".mov": "video/quicktime",
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".json": "application/json",
  ".csv": "text/csv",
  ".zip": "application/zip",
};

const BY_MIME: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(BY_EXTENSION)
    .filter(([ext]) => ext !== ".jpeg" && ext !== ".oga" && ext !== ".opus")
    .map(([ext, mime]) => [mime, ext]),
);

/** The lower-case extension of a file name (".png"), or "" when it has none or an odd one. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || dot === name.length - 1) return "";
  const ext = name.slice(dot).toLowerCase();
  return /^\.[a-z0-9]{1,10}$/.test(ext) ? ext : "";
}

/** The content type to upload a file with (by its extension). */
export function mimeForName(name: string): string {
  return BY_EXTENSION[extensionOf(name)] ?? "application/octet-stream";
}

/** The extension a downloaded file is cached under (tools sniff by extension). */
export function extensionForMime(mime: string | null): string {
  const bare = (mime ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return BY_MIME[bare] ?? ".bin";
}

export function isMediaKind(value: unknown): value is MediaKind {
  return typeof value === "string" && (MEDIA_KINDS as readonly string[]).includes(value);
}
