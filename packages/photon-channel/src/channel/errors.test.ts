import { describe, expect, it } from "vitest";
import { classifyPhotonError, PhotonSendError } from "./errors.js";

const sdkError = (name: string, grpcCode: number) =>
  Object.assign(new Error("x"), { name, grpcCode, code: "internalError" });

describe("classifyPhotonError", () => {
  it("reads the gRPC status the SDK carries", () => {
    expect(classifyPhotonError(sdkError("RateLimitError", 8), true)).toBe("rate_limited");
    expect(classifyPhotonError(sdkError("AuthenticationError", 16), true)).toBe("auth_or_config");
    expect(classifyPhotonError(sdkError("AuthenticationError", 7), true)).toBe(
      "target_not_allowed",
    );
    expect(classifyPhotonError(sdkError("NotFoundError", 5), true)).toBe("target_not_allowed");
    expect(classifyPhotonError(sdkError("ValidationError", 3), true)).toBe("auth_or_config");
  });

  it("a lost connection or an unknown failure is ambiguous for a send and transient otherwise", () => {
    expect(classifyPhotonError(sdkError("ConnectionError", 14), true)).toBe("ambiguous");
    expect(classifyPhotonError(sdkError("ConnectionError", 4), true)).toBe("ambiguous");
    expect(classifyPhotonError(new Error("socket hang up"), true)).toBe("ambiguous");
    expect(classifyPhotonError("weird", true)).toBe("ambiguous");
    expect(classifyPhotonError(sdkError("ConnectionError", 14), false)).toBe("upstream_transient");
  });

  it("falls back to the class name and reads Spectrum cloud HTTP statuses", () => {
    expect(
      classifyPhotonError(Object.assign(new Error("x"), { name: "RateLimitError" }), true),
    ).toBe("rate_limited");
    expect(
      classifyPhotonError(
        Object.assign(new Error("x"), {
          name: "SpectrumCloudError",
          status: 401,
          code: "UNAUTHORIZED",
        }),
        false,
      ),
    ).toBe("auth_or_config");
    expect(
      classifyPhotonError(
        Object.assign(new Error("x"), { name: "SpectrumCloudError", status: 429, code: "RATE" }),
        false,
      ),
    ).toBe("rate_limited");
  });

  it("PhotonSendError has a stable code and a message that says what to do, without the cause's text", () => {
    const error = new PhotonSendError(
      "ambiguous",
      "sending a message",
      new Error("secret-looking detail"),
    );
    expect(error.code).toBe("ambiguous");
    expect(error.message).toMatch(/NOT resent/);
    expect(error.message).not.toContain("secret-looking detail");
  });
});
