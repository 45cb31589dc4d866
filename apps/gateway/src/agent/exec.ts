// `exec:<cmd>` backend: one child process per turn, run by /bin/sh in its own process
// group. The event JSON is written to stdin (then stdin is closed); the reply is stdout
// (one trailing newline removed). Exit 0 = success. On timeout or abort the whole process
// group gets SIGTERM, then SIGKILL after a grace period.
import { spawn } from "node:child_process";
import { AgentError, MAX_REPLY_BYTES, type AgentBackend } from "./types.js";

export interface ExecAgentOptions {
  readonly command: string;
  readonly timeoutMs: number;
  /** Environment for the child (passed in; never read here from process.env). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly killGraceMs?: number;
  readonly cwd?: string;
}

export function execAgent(opts: ExecAgentOptions): AgentBackend {
  const grace = opts.killGraceMs ?? 2000;
  return {
    name: "exec",
    runTurn(event, { signal }) {
      return new Promise<string>((resolve, reject) => {
        if (signal.aborted) return reject(new AgentError("AGENT_ABORTED", "The turn was interrupted."));
        const child = spawn("/bin/sh", ["-c", opts.command], {
          detached: true,
          stdio: ["pipe", "pipe", "ignore"],
          env: opts.env as NodeJS.ProcessEnv,
          ...(opts.cwd ? { cwd: opts.cwd } : {}),
        });
        const chunks: Buffer[] = [];
        let size = 0;
        let failure: AgentError | null = null;
        let killTimer: NodeJS.Timeout | undefined;
        const killGroup = (why: AgentError) => {
          failure ??= why;
          signalGroup("SIGTERM");
          killTimer ??= setTimeout(() => signalGroup("SIGKILL"), grace);
          killTimer.unref();
        };
        const signalGroup = (sig: NodeJS.Signals) => {
          if (child.pid === undefined) return;
          try {
            process.kill(-child.pid, sig);
          } catch {
            /* group already gone */
          }
        };
        const timer = setTimeout(
          () => killGroup(new AgentError("AGENT_TIMEOUT", `The exec agent did not answer within ${opts.timeoutMs} ms; it was stopped.`)),
          opts.timeoutMs,
        );
        const onAbort = () => killGroup(new AgentError("AGENT_ABORTED", "The turn was interrupted; the exec agent was stopped."));
        signal.addEventListener("abort", onAbort, { once: true });
        child.stdout.on("data", (b: Buffer) => {
          size += b.length;
          if (size > MAX_REPLY_BYTES) killGroup(new AgentError("AGENT_BAD_REPLY", `The exec agent wrote more than ${MAX_REPLY_BYTES} bytes.`));
          else chunks.push(b);
        });
        child.stdin.on("error", () => {}); // the agent may exit without reading stdin
        child.on("error", (e) => {
          failure ??= new AgentError("AGENT_FAILED", `Could not start the exec agent: ${e.message}`);
        });
        child.on("close", (code, sig) => {
          clearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
          if (failure) {
            signalGroup("SIGKILL"); // leave no grandchildren behind
            return reject(failure);
          }
          if (code !== 0) {
            return reject(new AgentError("AGENT_FAILED", `The exec agent exited with ${code ?? sig}; check its stderr.`));
          }
          resolve(Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, ""));
        });
        child.stdin.end(JSON.stringify(event));
      });
    },
  };
}
