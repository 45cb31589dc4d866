import type { AgentSpec } from "../config/resolve.js";
import { agentEnvironment } from "./child-env.js";
import { echoAgent } from "./echo.js";
import { execAgent, type ExecAgentLogger } from "./exec.js";
import { httpAgent } from "./http.js";
import type { AgentBackend, AgentOutputMode } from "./types.js";

export interface CreateAgentOptions {
  readonly timeoutMs: number;
  /** The gateway's environment; an `exec:` agent gets it minus secrets (see child-env.ts). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** config.secretValues: never passed to a child under any name. */
  readonly secretValues?: readonly string[];
  /** GATEWAY_AGENT_PASS_ENV: names passed to an `exec:` agent despite looking secret. */
  readonly passEnv?: readonly string[];
  readonly logger?: ExecAgentLogger;
  /** GATEWAY_AGENT_OUTPUT: `text` (default) or `ndjson` (protocol v2). */
  readonly output?: AgentOutputMode;
}

export function createAgent(spec: AgentSpec, opts: CreateAgentOptions): AgentBackend {
  switch (spec.kind) {
    case "echo":
      return echoAgent();
    case "exec":
      return execAgent({
        command: spec.command,
        timeoutMs: opts.timeoutMs,
        env: agentEnvironment(opts.env, {
          secretValues: opts.secretValues ?? [],
          passThrough: opts.passEnv ?? [],
        }),
        ...(opts.logger ? { logger: opts.logger } : {}),
        ...(opts.output ? { output: opts.output } : {}),
        ...(opts.secretValues ? { secretValues: opts.secretValues } : {}),
      });
    case "http":
      return httpAgent({
        url: spec.url,
        timeoutMs: opts.timeoutMs,
        ...(opts.output ? { output: opts.output } : {}),
        ...(opts.logger ? { logger: opts.logger } : {}),
      });
  }
}
