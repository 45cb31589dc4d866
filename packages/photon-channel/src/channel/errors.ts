// What went wrong with a call to Photon, in the terms a caller can act on. The SDK
// (@photon-ai/advanced-imessage) throws classes named after gRPC statuses and carries the numeric
// status as `grpcCode`; classification reads that number first and the class name second, so it
// does not depend on the SDK's class identities (it is loaded with import() and may be absent).

/**
 * - `rate_limited`: refused before anything happened (RESOURCE_EXHAUSTED); safe to try again later.
 * - `target_not_allowed`: the line may not message that recipient (shared lines cannot start a
 *   conversation), or the chat/message does not exist.
 * - `auth_or_config`: bad project credentials or token, or a request Photon rejects as invalid.
 * - `upstream_transient`: Photon was unreachable and the call did not change anything.
 * - `ambiguous`: the call may or may not have taken effect (a send whose answer was lost).
 *   Never resent: the user might get the message twice.
 */
export type PhotonErrorClass =
  "rate_limited" | "target_not_allowed" | "auth_or_config" | "upstream_transient" | "ambiguous";

const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const BY_NAME: Record<string, number> = {
  RateLimitError: GRPC.RESOURCE_EXHAUSTED,
  AuthenticationError: GRPC.UNAUTHENTICATED,
  NotFoundError: GRPC.NOT_FOUND,
  ValidationError: GRPC.INVALID_ARGUMENT,
  ConnectionError: GRPC.UNAVAILABLE,
  SpectrumCloudError: GRPC.UNAVAILABLE,
};

function grpcCodeOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const record = error as { grpcCode?: unknown; code?: unknown; name?: unknown; status?: unknown };
  if (typeof record.grpcCode === "number") return record.grpcCode;
  if (typeof record.code === "number") return record.code;
  if (record.name === "SpectrumCloudError" && typeof record.status === "number") {
    if (record.status === 429) return GRPC.RESOURCE_EXHAUSTED;
    if (record.status === 401 || record.status === 403) return GRPC.UNAUTHENTICATED;
    if (record.status >= 400 && record.status < 500) return GRPC.INVALID_ARGUMENT;
    return GRPC.UNAVAILABLE;
  }
  return typeof record.name === "string" ? BY_NAME[record.name] : undefined;
}

/**
 * Classifies a failed call. `mutating` says whether the call could have changed something
 * (a send, a tapback): for those, a lost connection or an unrecognised error is `ambiguous`.
 */
export function classifyPhotonError(error: unknown, mutating: boolean): PhotonErrorClass {
  const code = grpcCodeOf(error);
  switch (code) {
    case GRPC.RESOURCE_EXHAUSTED:
      return "rate_limited";
    case GRPC.UNAUTHENTICATED:
    case GRPC.INVALID_ARGUMENT:
      return "auth_or_config";
    case GRPC.PERMISSION_DENIED:
    case GRPC.NOT_FOUND:
    case GRPC.FAILED_PRECONDITION:
      return "target_not_allowed";
    case GRPC.UNAVAILABLE:
    case GRPC.DEADLINE_EXCEEDED:
    case GRPC.CANCELLED:
    case GRPC.ABORTED:
    case GRPC.INTERNAL:
    case GRPC.UNKNOWN:
    default:
      return mutating ? "ambiguous" : "upstream_transient";
  }
}

/** The error every failed outbound operation of the channel rejects with. Never carries secrets. */
export class PhotonSendError extends Error {
  readonly code: PhotonErrorClass;
  /** The gRPC status of the underlying failure, when there was one. */
  readonly grpcCode: number | undefined;

  constructor(code: PhotonErrorClass, operation: string, cause: unknown) {
    super(`${operation} failed (${code}): ${describe(code)}`, { cause });
    this.name = "PhotonSendError";
    this.code = code;
    this.grpcCode = grpcCodeOf(cause);
  }
}

function describe(code: PhotonErrorClass): string {
  switch (code) {
    case "rate_limited":
      return "Photon refused with a rate limit (RESOURCE_EXHAUSTED / HTTP 429) and kept refusing; nothing was changed, try again later";
    case "target_not_allowed":
      return "this line may not message that chat (a shared line can only answer conversations the user started), or the chat does not exist";
    case "auth_or_config":
      return "Photon rejected the project credentials or the request; check the project id/secret (`hermes photon status`)";
    case "upstream_transient":
      return "Photon was unreachable; nothing was changed, try again later";
    case "ambiguous":
      return "the connection failed after the request was sent, so it may have been delivered; it was NOT resent to avoid a duplicate";
  }
}

/** An error's class name and code for a log line: never its message (it may quote a secret). */
export function errorName(error: unknown): string {
  if (error instanceof Error)
    return `${error.name}${"code" in error && typeof error.code === "string" ? ` ${error.code}` : ""}`;
  return typeof error;
}
