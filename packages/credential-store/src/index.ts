/**
 * @hermes/credential-store: the on-disk formats every Hermes tool shares under HERMES_HOME
 * (`auth.json` credential pools, `.env`), with writers that never lose a byte of someone
 * else's data and never leak a secret. No network I/O; configuration is passed in.
 */
export { resolveHermesHome, isManaged, authPath, envPath } from "./home.js";
export type { Env, ResolveHomeOptions, ResolvedHome, ManagedState } from "./home.js";
export { readAuth, updateAuth } from "./auth.js";
export { serializeAuth } from "./json.js";
export type { JsonObject, JsonValue } from "./json.js";
export {
  parseDotenv,
  parseEnvValue,
  formatEnvValue,
  editDotenv,
  removeDotenvKeys,
  readEnvFile,
  resolveEnvValue,
  setEnvValue,
  setEnvValues,
  unsetEnvValues,
} from "./dotenv.js";
export type { SetEnvOptions } from "./dotenv.js";
export {
  loadPhotonToken,
  storePhotonToken,
  clearPhotonToken,
  loadProjectCredentials,
  storeProjectCredentials,
} from "./photon.js";
export type { ProjectCredentials } from "./photon.js";
export { credentialSummary, persistWebhookSigningSecret, SUMMARY } from "./summary.js";
export type { CredentialSummary, PersistWebhookResult } from "./summary.js";
export { withFileLock } from "./lock.js";
export { ensureDir, ensureDirSync } from "./atomic.js";
export {
  HomeFileReadError,
  HOME_PIPE_WAIT_MS,
  MAX_HOME_FILE_BYTES,
  describeReadFailure,
  readHomeFileText,
} from "./read-file.js";
export type { LockOptions } from "./lock.js";
export { CredentialStoreError } from "./errors.js";
export type { CredentialStoreErrorCode } from "./errors.js";
