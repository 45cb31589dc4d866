import { AgentError, type AgentBackend } from "./types.js";

/** The default backend: replies with the inbound text unchanged. */
export function echoAgent(): AgentBackend {
  return {
    name: "echo",
    async runTurn(event, { signal }) {
      if (signal.aborted) throw new AgentError("AGENT_ABORTED", "The turn was interrupted.");
      const text = typeof event === "object" && event !== null ? (event as { text?: unknown }).text : undefined;
      return typeof text === "string" ? text : "";
    },
  };
}
