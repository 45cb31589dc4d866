import type { AgentSpec } from "../config/resolve.js";
import { echoAgent } from "./echo.js";
import { execAgent } from "./exec.js";
import { httpAgent } from "./http.js";
import type { AgentBackend } from "./types.js";

export function createAgent(spec: AgentSpec, opts: { timeoutMs: number; env: Readonly<Record<string, string | undefined>> }): AgentBackend {
  switch (spec.kind) {
    case "echo":
      return echoAgent();
    case "exec":
      return execAgent({ command: spec.command, timeoutMs: opts.timeoutMs, env: opts.env });
    case "http":
      return httpAgent({ url: spec.url, timeoutMs: opts.timeoutMs });
  }
}
