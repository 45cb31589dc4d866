/** One agent backend. `event` is the inbound MessageEvent (docs/contract/relay.md#inbound-events) as JSON-able data. */
export interface AgentBackend {
  readonly name: string;
  /** Runs one turn; resolves with the reply text. Rejects with AgentError; honours `signal`. */
  runTurn(event: unknown, opts: { readonly signal: AbortSignal }): Promise<string>;
}

export type AgentErrorCode = "AGENT_TIMEOUT" | "AGENT_ABORTED" | "AGENT_FAILED" | "AGENT_BAD_REPLY";

export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AgentError";
  }
}

/** Cap on a reply read from a child process or an HTTP body. */
export const MAX_REPLY_BYTES = 1024 * 1024;
