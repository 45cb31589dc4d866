import { describe, expect, it } from "vitest";
import { relayEvent } from "../../test/support/events.js";
import { echoAgent } from "./echo.js";

describe("echoAgent", () => {
  it("replies with the inbound text; aborted turns reject", async () => {
    const a = echoAgent();
    expect(await a.runTurn(relayEvent("hi 🔌"), { signal: new AbortController().signal })).toBe(
      "hi 🔌",
    );
    expect(await a.runTurn(relayEvent(""), { signal: new AbortController().signal })).toBe("");
    await expect(a.runTurn(relayEvent("x"), { signal: AbortSignal.abort() })).rejects.toMatchObject(
      { code: "AGENT_ABORTED" },
    );
  });
});
