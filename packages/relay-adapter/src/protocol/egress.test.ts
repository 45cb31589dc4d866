import { describe, expect, it } from "vitest";
import { classifyOutboundResult, EGRESS_DECLINE_CODE, isEgressDecline } from "./egress.js";

describe("egress classification", () => {
  it("reads the structured code and the uniform text of older connectors", () => {
    expect(classifyOutboundResult({ success: false, code: EGRESS_DECLINE_CODE, error: "no" })).toBe(
      "declined",
    );
    expect(
      classifyOutboundResult({
        success: false,
        error: "Discord Egress Declined: target is not an approved destination",
      }),
    ).toBe("declined");
    expect(isEgressDecline({ success: false, code: "egress_declined" })).toBe(true);
  });
  it("never reads an ambiguous or successful result as a refusal", () => {
    expect(
      classifyOutboundResult({
        success: false,
        ambiguous: true,
        code: EGRESS_DECLINE_CODE,
        error: "egress declined: ack lost",
      }),
    ).toBe("ambiguous");
    expect(isEgressDecline({ success: true, code: EGRESS_DECLINE_CODE })).toBe(false);
    expect(classifyOutboundResult({ success: true })).toBe("delivered");
  });
  it("tells what never left the gateway from a connector failure", () => {
    expect(classifyOutboundResult({ success: false, error: "relay transport not connected" })).toBe(
      "not_sent",
    );
    expect(classifyOutboundResult({ success: false, error: "relay transport closed" })).toBe(
      "not_sent",
    );
    expect(classifyOutboundResult({ success: false, error: "x", unsupported: true })).toBe(
      "unsupported",
    );
    expect(classifyOutboundResult({ success: false, error: "rate limited" })).toBe("failed");
    for (const junk of [null, undefined, 3, "x"])
      expect(classifyOutboundResult(junk)).toBe("failed");
  });
});
