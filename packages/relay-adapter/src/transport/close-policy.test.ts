import { describe, expect, it } from "vitest";
import { decideAfterClose, type CloseFacts } from "./close-policy.js";

const base: CloseFacts = {
  code: 1006,
  reason: "",
  handshaken: false,
  everHandshaken: false,
  provisional401: false,
  dormant: false,
  failures: 1,
  refusals: 0,
};

describe("decideAfterClose", () => {
  it("confirms a 4401 after a handshake once, then latches the revocation", () => {
    expect(
      decideAfterClose({
        ...base,
        code: 4401,
        reason: "unauthorized",
        handshaken: true,
        everHandshaken: true,
      }).kind,
    ).toBe("confirm-401");
    expect(
      decideAfterClose({
        ...base,
        code: 4401,
        reason: "unauthorized",
        everHandshaken: true,
        provisional401: true,
      }).kind,
    ).toBe("revoke");
  });
  it("never treats an expired token as a refusal", () => {
    expect(
      decideAfterClose({
        ...base,
        code: 4401,
        reason: "expired",
        everHandshaken: true,
        provisional401: true,
      }),
    ).toMatchObject({ kind: "backoff" });
  });
  it("re-dials a dormant link on its own cadence, but a dial failing after it backs off", () => {
    expect(
      decideAfterClose({
        ...base,
        code: 1000,
        handshaken: true,
        everHandshaken: true,
        dormant: true,
      }).kind,
    ).toBe("dormant");
    expect(decideAfterClose({ ...base, dormant: true }).kind).toBe("backoff");
  });
  it("escalates the log level with failed dials and refusals in a row", () => {
    const level = (f: Partial<CloseFacts>) => {
      const d = decideAfterClose({ ...base, ...f });
      return d.kind === "backoff" ? d.level : d.kind;
    };
    expect([level({ failures: 1 }), level({ failures: 3 }), level({ failures: 10 })]).toEqual([
      "info",
      "warn",
      "error",
    ]);
    expect(level({ code: 4401, reason: "unauthorized", refusals: 3 })).toBe("error");
    expect(level({ handshaken: true, everHandshaken: true })).toBe("warn");
  });
});
