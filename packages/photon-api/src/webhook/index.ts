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
