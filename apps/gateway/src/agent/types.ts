import type { MediaItem, RelayMessageEvent } from "@hermes/relay-adapter";
import type { AgentOutputEvent } from "./ndjson-events.js";

/** One attachment as the agent sees it: `path` once downloaded, else `error` says why not. */
export interface AgentMediaItem extends MediaItem {
  /** Absolute path of the local copy (in the gateway's media cache). */
  path?: string;
  /** Why there is no `path` (download refused or failed). */
  error?: string;
}

/** The event JSON an agent receives (as normalized, plus local files). */
export interface AgentEvent extends Omit<RelayMessageEvent, "media"> {
  media: AgentMediaItem[];
}

export interface TurnOptions {
  readonly signal: AbortSignal;
  /** Protocol v2: each output event as it arrives (ndjson). Plain-text replies never call it. */
  readonly emit?: ((event: AgentOutputEvent) => void) | undefined;
}

/** One agent backend. `event` is the inbound message (docs/contract/relay.md#inbound-events) as JSON-able data. */
export interface AgentBackend {
  readonly name: string;
  /**
   * Runs one turn. Resolves with the plain-text reply ("" when the agent answered in events
   * through `emit`). Rejects with AgentError; honours `signal`.
   */
  runTurn(event: AgentEvent, opts: TurnOptions): Promise<string>;
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

/** Cap on a reply read from a child process or an HTTP body (all ndjson lines together too). */
export const MAX_REPLY_BYTES = 1024 * 1024;

/** How an agent answers: one plain-text reply, or ndjson events (protocol v2). */
export type AgentOutputMode = "text" | "ndjson";
