/**
 * @hermes/relay-crypto: both halves of the Hermes relay channel authentication.
 *
 * - Signed tokens (`makeToken` / `makeUpgradeToken` / `verifyToken`): the WebSocket upgrade
 *   bearer a gateway presents, and the management/media route bearer.
 * - Delivery signatures (`signDelivery` / `verifyDeliverySignature`): connector → gateway
 *   signed HTTP POSTs.
 *
 * All HMACs are HMAC-SHA256 keyed with the UTF-8 bytes of the secret string. Verification
 * functions never throw: garbage gets `false` / `null`.
 */
export { sign, verifySignature, isUsableSecret } from "./hmac.js";
export { makeToken, makeUpgradeToken, verifyToken, DEFAULT_UPGRADE_TTL_SECONDS } from "./token.js";
export type { Clock } from "./token.js";
export {
  signDelivery,
  verifyDeliverySignature,
  DELIVERY_TS_HEADER,
  DELIVERY_SIG_HEADER,
  DEFAULT_MAX_SKEW_SECONDS,
} from "./delivery.js";
