// The BUILT hermes-gateway as a child process: JSON log lines collected and awaitable, a
// temporary HERMES_HOME removed afterwards, and exit awaited with a guard.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export class GatewayProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly home: string;
  readonly lines: LogLine[] = [];
  /** Raw stdout + stderr text, for secret scans. */
  raw = "";
  readonly #waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  readonly #ownHome: boolean;

  /** `opts.home`: run on this HERMES_HOME (kept afterwards: a restart reuses it) instead of a fresh one. */
  constructor(
    args: string[],
    env: Record<string, string>,
    files: Record<string, string> = {},
    opts: { home?: string } = {},
  ) {
    this.#ownHome = opts.home === undefined;
    this.home = opts.home ?? mkdtempSync(join(tmpdir(), "gw-e2e-"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(this.home, name), text);
    this.child = spawn(process.execPath, [BIN, ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        HERMES_HOME: this.home,
        GATEWAY_LOG_LEVEL: "debug",
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let partial = "";
    this.child.stdout.on("data", (b: Buffer) => {
      const text = b.toString("utf8");
      this.raw += text;
      partial += text;
      const parts = partial.split("\n");
      partial = parts.pop()!;
      for (const p of parts) {
        try {
          this.lines.push(JSON.parse(p) as LogLine);
        } catch {
          this.lines.push({ level: 0, msg: p });
        }
      }
      for (const w of this.#waiters.splice(0)) w();
    });
    this.child.stderr.on("data", (b: Buffer) => {
      this.raw += b.toString("utf8");
      for (const w of this.#waiters.splice(0)) w();
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** Resolves with the first log line matching, waiting for it if needed. */
  waitForLog(
    match: (l: LogLine) => boolean,
    what = "log line",
    timeoutMs = 15_000,
  ): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`timed out waiting for ${what}; output so far:\n${this.raw.slice(-3000)}`),
          ),
        timeoutMs,
      );
      const check = (): void => {
        const hit = this.lines.find(match);
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  /** Count of log lines with this message. */
  count(msg: string): number {
    return this.lines.filter((l) => l.msg === msg).length;
  }

  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 20_000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const guard = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), timeoutMs).unref());
    const result = await Promise.race([this.exited, guard]);
    if (result === "timeout") {
      this.child.kill("SIGKILL");
      throw new Error(`gateway did not exit within ${timeoutMs} ms after ${signal}`);
    }
    return result;
  }

  cleanup(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    if (this.#ownHome) rmSync(this.home, { recursive: true, force: true });
  }
}
