export {
  computeWebhookSignature,
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  verifyWebhookSignature,
} from "./verify.js";
export type {
  VerifyWebhookSignatureOptions,
  WebhookHeaders,
  WebhookRejectReason,
  WebhookVerifyResult,
} from "./verify.js";
export { parseWebhookEvent } from "./event.js";
export type {
  ParseWebhookEventResult,
  WebhookContent,
  WebhookEvent,
  WebhookMessage,
  WebhookSpace,
} from "./event.js";
export { createWebhookHandler, DEFAULT_MAX_WEBHOOK_BODY_BYTES } from "./handler.js";
export type { CreateWebhookHandlerOptions, WebhookDelivery } from "./handler.js";
