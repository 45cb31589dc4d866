export { PhotonClient } from "./client.js";
export { E164 } from "./phone.js";
export type {
  CreateUserInput,
  LoginOptions,
  PhotonClientOptions,
  Project,
  ProjectCredentials,
  ProjectLine,
  RegisteredWebhook,
  SpectrumUser,
  WebhookInfo,
} from "./client.js";
export {
  DEFAULT_CLIENT_ID,
  DEFAULT_DEVICE_CODE_EXPIRY_SECONDS,
  DEFAULT_POLL_INTERVAL_SECONDS,
  DEFAULT_SCOPE,
} from "./device-flow.js";
export type { DashboardUser, DeviceCode, PollOptions } from "./device-flow.js";
export {
  DeviceFlowDeniedError,
  DeviceFlowExpiredError,
  DeviceFlowTimeoutError,
  InvalidPhoneNumberError,
  PhotonApiError,
  PhotonDashboardAuthError,
} from "./errors.js";
export { DEFAULT_DASHBOARD_HOST, DEFAULT_SPECTRUM_HOST, resolvePhotonHosts } from "./hosts.js";
export type { PhotonHosts } from "./hosts.js";
export { DEFAULT_MAX_RESPONSE_BYTES } from "./http.js";
export type { FetchLike, PhotonLogger, Sleep } from "./http.js";
export { extractTokenCandidates } from "./token-candidates.js";
export type { TokenCandidate } from "./token-candidates.js";
