import { describe, expect, it } from "vitest";
import { echoAgent } from "./echo.js";

describe("echoAgent", () => {
  it("replies with the inbound text; aborted turns reject", async () => {
    const a = echoAgent();
    expect(await a.runTurn({ text: "hi 🔌" }, { signal: new AbortController().signal })).toBe("hi 🔌");
    expect(await a.runTurn({}, { signal: new AbortController().signal })).toBe("");
    await expect(a.runTurn({ text: "x" }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: "AGENT_ABORTED" });
  });
});
