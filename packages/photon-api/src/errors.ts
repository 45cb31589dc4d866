/** Base of every error this package throws. `code` is stable; `status` is the HTTP status when there was one. */
export class PhotonApiError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  constructor(
    message: string,
    options: { code?: string; status?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PhotonApiError";
    this.code = options.code ?? "PHOTON_API_ERROR";
    this.status = options.status;
  }
}

/** The dashboard rejected (or did not recognise) a bearer token. Re-run the device login. */
export class PhotonDashboardAuthError extends PhotonApiError {
  constructor(message: string, options: { status?: number | undefined; cause?: unknown } = {}) {
    super(message, { ...options, code: "PHOTON_DASHBOARD_AUTH" });
    this.name = "PhotonDashboardAuthError";
  }
}

export class DeviceFlowDeniedError extends PhotonApiError {
  constructor() {
    super(
      "Photon login failed: access_denied. The request was declined in the browser; run the login again and approve it.",
      { code: "PHOTON_DEVICE_DENIED", status: 400 },
    );
    this.name = "DeviceFlowDeniedError";
  }
}

export class DeviceFlowExpiredError extends PhotonApiError {
  constructor() {
    super(
      "Photon login failed: expired_token. The device code expired before approval; run the login again.",
      { code: "PHOTON_DEVICE_EXPIRED", status: 400 },
    );
    this.name = "DeviceFlowExpiredError";
  }
}

export class DeviceFlowTimeoutError extends PhotonApiError {
  constructor(seconds: number) {
    super(
      `Photon device login timed out after ${seconds} s without approval; run the login again.`,
      { code: "PHOTON_DEVICE_TIMEOUT" },
    );
    this.name = "DeviceFlowTimeoutError";
  }
}

export class InvalidPhoneNumberError extends PhotonApiError {
  constructor() {
    super(
      "phoneNumber must be E.164, e.g. +15551234567 (a '+', a non-zero digit, 7 to 15 digits in all).",
      { code: "PHOTON_INVALID_PHONE" },
    );
    this.name = "InvalidPhoneNumberError";
  }
}
