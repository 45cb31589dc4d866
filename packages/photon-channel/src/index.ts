export {
  PhotonAttachmentError,
  PhotonChannel,
  PhotonChannelStateError,
  PhotonSdkLoadError,
} from "./channel/photon-channel.js";
export type {
  PhotonChannelHealth,
  PhotonChannelOptions,
  PhotonChannelState,
  PhotonLineHealth,
  PhotonLogger,
  PhotonWatchOptions,
} from "./channel/photon-channel.js";
export { checkPhotonConnection } from "./channel/connection-check.js";
export type {
  PhotonConnectionCheck,
  PhotonConnectionCheckOptions,
  PhotonConnectionCheckStep,
} from "./channel/connection-check.js";
export {
  DEDICATED_LINE_ADDRESS_TEMPLATE,
  PhotonLinesError,
  SHARED_LINE_ADDRESS,
} from "./channel/project-lines.js";
export type { ImessageLine } from "./channel/project-lines.js";
export type { EventWatchState, EventWatchStats } from "./channel/event-watch.js";
export { INBOUND_STATE_FILE, INBOUND_STATE_LOG } from "./channel/inbound-state.js";
export { attachmentReaders, normalizeInbound } from "./channel/normalize.js";
export { MediaCache, safeFileName } from "./channel/media-cache.js";
export type { MediaCacheOptions } from "./channel/media-cache.js";
export type {
  AttachmentReader,
  IgnoredReason,
  NormalizeResult,
  PhotonInboundEvent,
  PhotonInboundMessage,
  PhotonInboundReaction,
  PhotonMedia,
  PhotonMessageType,
} from "./channel/normalize.js";
export { normalizeHandle, parseAllowedUsers } from "./channel/allowed-users.js";
export type { AllowedUsers, RejectedAllowEntry } from "./channel/allowed-users.js";
export { IMESSAGE_MAX_MESSAGE_LENGTH, splitMessageText } from "./channel/split-text.js";
export { MAX_RENDERED_MARKDOWN, markdownToPlainText } from "./channel/markdown-text.js";
export type { PhotonMarkdownMode } from "./channel/markdown-text.js";
export {
  DEFAULT_MAX_ATTACHMENT_BYTES,
  isVoiceReady,
  readOutboundFile,
} from "./channel/outbound-file.js";
export type {
  OutboundFileErrorCode,
  OutboundFileResult,
  PhotonOutboundFile,
} from "./channel/outbound-file.js";
export { classifyPhotonError, PhotonSendError } from "./channel/errors.js";
export type { PhotonErrorClass } from "./channel/errors.js";
export { SendQueue, SendQueueFullError, SendQueueStoppedError } from "./channel/send-queue.js";
export type { SendQueueOptions, SendQueueStats } from "./channel/send-queue.js";
export { loadSpectrumSdk, SPECTRUM_TS_VERSION } from "./channel/sdk.js";
export type {
  IMessageInstance,
  ImessageTokens,
  SdkMessage,
  SdkSpace,
  SpectrumApp,
  SpectrumSdk,
} from "./channel/sdk.js";
export type { RawEvent, RawEventStream, RawImessageClient } from "./channel/event-watch.js";
export { imessageProtoRoot, IMESSAGE_SERVICE_PROTO_FILES } from "./imessage-protos.js";
