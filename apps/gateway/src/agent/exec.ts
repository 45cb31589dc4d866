// `exec:<cmd>` backend: one child process per turn, run by /bin/sh in its own process
// group. The event JSON is written to stdin (then stdin is closed); the reply is stdout
// (one trailing newline removed). Exit 0 = success. On timeout or abort the whole process
// group gets SIGTERM, then SIGKILL after a grace period. The child's environment is given
// explicitly (secrets removed: see child-env.ts); the last 4 KiB of its stderr are kept and
// logged at warn when the turn fails. With `output: "ndjson"` stdout is read as protocol v2
// events, each handed on as its line completes (see ndjson-reader.ts).
import { spawn } from "node:child_process";
// Shorter values are not hidden, as by the log scrubber (they would mangle every line).
import { MIN_SECRET_LENGTH } from "@hermes/settings";
import { NdjsonAgentReader } from "./ndjson-reader.js";
import { AgentError, MAX_REPLY_BYTES, type AgentBackend, type AgentOutputMode } from "./types.js";

/** How much of an exec agent's stderr is kept (its tail) for the failure log. */
export const STDERR_TAIL_BYTES = 4096;

/** What the exec agent logs when a turn fails (pino's `warn(obj, msg)` fits). */
export interface ExecAgentLogger {
  warn(
    fields: {
      readonly exitCode: number | null;
      readonly signal: string | null;
      readonly code: string;
      readonly stderr: string;
    },
    msg: string,
  ): void;
  /** An ndjson event type this gateway does not know (once per turn and type). */
  info?(fields: { readonly type: string }, msg: string): void;
}

/** The failure message for an exit status; 126 and 127 are the shell's "cannot execute" and "not found". */
export function exitMessage(code: number | null, signal: string | null): string {
  if (code === 126)
    return "The exec agent's command is not executable (exit 126): check its permissions (chmod +x) and its #! line.";
  if (code === 127)
    return "The exec agent's command was not found (exit 127): check the path in GATEWAY_AGENT and PATH.";
  return `The exec agent exited with ${code ?? signal}; the tail of its stderr is in the gateway's warn log.`;
}

export interface ExecAgentOptions {
  readonly command: string;
  readonly timeoutMs: number;
  /** The child's whole environment (already stripped of secrets; never read here from process.env). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger?: ExecAgentLogger;
  readonly killGraceMs?: number;
  readonly cwd?: string;
  /** How stdout is read: one plain-text reply (default) or ndjson events. */
  readonly output?: AgentOutputMode;
  /**
   * Secret values hidden in the stderr tail before it is cut to size: the logger's scrubber
   * matches whole values, and a cut could leave part of one (see scrubbedTail).
   */
  readonly secretValues?: readonly string[];
}

const HIDDEN = Buffer.from("<hidden>");

/**
 * The last `keep` bytes of `window` as text, every occurrence of a secret in `window` shown as
 * `<hidden>` — also one the cut at `keep` would split (it is hidden whole). `window` must hold
 * at least the longest secret's length more than `keep` (when that much was written): a secret
 * cut by the window's own start then lies wholly before the kept part.
 */
export function scrubbedTail(window: Buffer, secrets: readonly Buffer[], keep: number): string {
  const start = Math.max(0, window.length - keep);
  const found: Array<readonly [number, number]> = [];
  for (const s of secrets)
    for (let i = window.indexOf(s); i !== -1; i = window.indexOf(s, i + 1))
      if (i + s.length > start) found.push([i, i + s.length]);
  found.sort((a, b) => a[0] - b[0]);
  const out: Buffer[] = [];
  let at = start;
  let hiding = false; // the last piece is <hidden> and `at` is the end of what it hides
  for (const [from, to] of found) {
    if (to <= at) continue;
    if (from > at) {
      out.push(window.subarray(at, from));
      hiding = false;
    }
    if (!hiding) out.push(HIDDEN);
    hiding = true;
    at = to;
  }
  out.push(window.subarray(at));
  return Buffer.concat(out).toString("utf8");
}

/** Process groups of the exec agents running now (for an exit that cannot wait for them). */
const runningGroups = new Set<number>();

/**
 * SIGKILL every running exec agent's process group. For an exit without a drain (a second
 * signal): a detached agent would otherwise outlive the gateway, orphaned.
 */
export function killRunningAgents(): void {
  for (const pgid of runningGroups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      /* group already gone */
    }
  }
  runningGroups.clear();
}

export function execAgent(opts: ExecAgentOptions): AgentBackend {
  const secrets = [...new Set(opts.secretValues ?? [])]
    .filter((v) => v.length >= MIN_SECRET_LENGTH)
    .map((v) => Buffer.from(v));
  const grace = opts.killGraceMs ?? 2000;
  return {
    name: "exec",
    runTurn(event, { signal, emit }) {
      return new Promise<string>((resolve, reject) => {
        if (signal.aborted)
          return reject(new AgentError("AGENT_ABORTED", "The turn was interrupted."));
        const child = spawn("/bin/sh", ["-c", opts.command], {
          detached: true,
          stdio: ["pipe", "pipe", "pipe"],
          env: opts.env as NodeJS.ProcessEnv,
          ...(opts.cwd ? { cwd: opts.cwd } : {}),
        });
        const pgid = child.pid;
        if (pgid !== undefined) runningGroups.add(pgid);
        const chunks: Buffer[] = [];
        const ndjson =
          opts.output === "ndjson"
            ? new NdjsonAgentReader({
                emit,
                onUnknownType: (type) =>
                  opts.logger?.info?.({ type }, "agent event of an unknown type skipped"),
              })
            : null;
        let stderrTail: Buffer = Buffer.alloc(0);
        // The tail plus room for the longest secret (see scrubbedTail).
        const stderrKept = STDERR_TAIL_BYTES + secrets.reduce((m, s) => Math.max(m, s.length), 0);
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
          () =>
            killGroup(
              new AgentError(
                "AGENT_TIMEOUT",
                `The exec agent did not answer within ${opts.timeoutMs} ms; it was stopped.`,
              ),
            ),
          opts.timeoutMs,
        );
        const onAbort = () =>
          killGroup(
            new AgentError(
              "AGENT_ABORTED",
              "The turn was interrupted; the exec agent was stopped.",
            ),
          );
        signal.addEventListener("abort", onAbort, { once: true });
        child.stdout.on("data", (b: Buffer) => {
          size += b.length;
          if (size > MAX_REPLY_BYTES)
            killGroup(
              new AgentError(
                "AGENT_BAD_REPLY",
                `The exec agent wrote more than ${MAX_REPLY_BYTES} bytes.`,
              ),
            );
          else if (ndjson === null) chunks.push(b);
          else if (failure === null) {
            try {
              ndjson.push(b);
            } catch (e) {
              killGroup(e instanceof AgentError ? e : new AgentError("AGENT_BAD_REPLY", String(e)));
            }
          }
        });
        child.stderr.on("data", (b: Buffer) => {
          // Bounded whatever the child writes: only the last stderrKept bytes are kept.
          stderrTail = Buffer.concat([
            stderrTail,
            b.length > stderrKept ? b.subarray(b.length - stderrKept) : b,
          ]);
          if (stderrTail.length > stderrKept)
            stderrTail = stderrTail.subarray(stderrTail.length - stderrKept);
        });
        // The agent has exited, so its answer is complete; but Node reports "close" only once
        // every holder of the stdout/stderr pipes let go, and a process it left running (`cmd &`)
        // holds them: the turn would wait for the timeout and lose the answer. Past the grace
        // such leftovers are killed, which closes the pipes.
        let leftoverTimer: NodeJS.Timeout | undefined;
        child.on("exit", () => {
          leftoverTimer = setTimeout(() => signalGroup("SIGKILL"), grace);
        });
        child.stdin.on("error", () => {}); // the agent may exit without reading stdin
        child.on("error", (e) => {
          failure ??= new AgentError(
            "AGENT_FAILED",
            `Could not start the exec agent: ${e.message}`,
          );
        });
        child.on("close", (code, sig) => {
          if (pgid !== undefined) runningGroups.delete(pgid);
          clearTimeout(timer);
          clearTimeout(leftoverTimer);
          signal.removeEventListener("abort", onAbort);
          if (failure)
            signalGroup("SIGKILL"); // leave no grandchildren behind
          else if (code !== 0) failure = new AgentError("AGENT_FAILED", exitMessage(code, sig));
          if (failure) {
            // An interrupt is asked for, not a fault: its stderr is not worth a warning.
            if (failure.code !== "AGENT_ABORTED" && opts.logger) {
              opts.logger.warn(
                {
                  exitCode: code,
                  signal: sig,
                  code: failure.code,
                  stderr: scrubbedTail(stderrTail, secrets, STDERR_TAIL_BYTES),
                },
                "exec agent failed (tail of its stderr)",
              );
            }
            return reject(failure);
          }
          if (ndjson === null)
            return resolve(
              Buffer.concat(chunks)
                .toString("utf8")
                .replace(/\r?\n$/, ""),
            );
          try {
            resolve(ndjson.end());
          } catch (e) {
            reject(e);
          }
        });
        child.stdin.end(JSON.stringify(event));
      });
    },
  };
}
