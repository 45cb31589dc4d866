export { RelayMediaClient, UPLOAD_ANSWER_MAX_BYTES } from "./media-client.js";
export type {
  RelayMediaClientOptions,
  MediaDownloadResult,
  MediaUploadResult,
  MediaFailure,
  MediaErrorCode,
} from "./media-client.js";
export {
  pruneMediaCache,
  DEFAULT_MEDIA_CACHE_MAX_BYTES,
  DEFAULT_MEDIA_CACHE_MAX_AGE_MS,
} from "./media-cache.js";
export type { MediaCacheBounds } from "./media-cache.js";
export { parseMediaReference } from "./media-url.js";
export type { MediaReference } from "./media-url.js";
export {
  MEDIA_KINDS,
  MEDIA_MAX_BYTES,
  isMediaKind,
  mimeForName,
  extensionForMime,
  extensionOf,
} from "./media-types.js";
export type { MediaKind } from "./media-types.js";
