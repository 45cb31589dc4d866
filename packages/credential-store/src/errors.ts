// Typed errors. Each names the file involved and what to do next; none ever contains a
// credential value (only paths, key names and reasons).

export type CredentialStoreErrorCode =
  | "AUTH_FILE_CORRUPT"
  | "AUTH_FILE_UNREADABLE"
  | "ENV_FILE_UNREADABLE"
  | "MANAGED_INSTALL"
  | "ENV_KEY_INVALID"
  | "LOCK_TIMEOUT"
  | "LOCK_COMPROMISED"
  | "INVALID_ARGUMENT"
  | "WRITE_FAILED"
  | "HOME_NOT_A_DIRECTORY"
  | "SYMLINK_DANGLING"
  | "SYMLINK_LOOP";

export class CredentialStoreError extends Error {
  constructor(
    readonly code: CredentialStoreErrorCode,
    message: string,
    /** The file concerned, when there is one. */
    readonly path?: string,
  ) {
    super(message);
    this.name = "CredentialStoreError";
  }
}

export function errnoCode(e: unknown): string {
  return typeof (e as NodeJS.ErrnoException)?.code === "string"
    ? (e as NodeJS.ErrnoException).code!
    : "error";
}
