import { AgentError, type AgentBackend } from "./types.js";

/** The default backend: replies with the inbound text unchanged. */
export function echoAgent(): AgentBackend {
  return {
    name: "echo",
    async runTurn(event, { signal }) {
      if (signal.aborted) throw new AgentError("AGENT_ABORTED", "The turn was interrupted.");
      return typeof event.text === "string" ? event.text : "";
    },
  };
}
