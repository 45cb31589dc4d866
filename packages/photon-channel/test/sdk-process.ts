// Runs a script that loads the unmodified spectrum-ts SDK in a child process pointed at a
// SpectrumFake, and turns its JSON-lines stdout into awaitable events.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { SpectrumFake } from "../src/testing/index.js";

export type SdkLine = Record<string, unknown> & { event: string };

const STDERR_KEEP_BYTES = 16 * 1024;

export class SdkProcess {
  readonly lines: SdkLine[] = [];
  #stderr = "";
  #stdout = "";
  #waiters: Array<() => void> = [];
  #exited: number | null | undefined;

  readonly #child: ChildProcessWithoutNullStreams;
  readonly #dir: string;

  private constructor(child: ChildProcessWithoutNullStreams, dir: string) {
    this.#child = child;
    this.#dir = dir;
    createInterface({ input: child.stdout }).on("line", (line) => {
      this.#stdout = (this.#stdout + line + "\n").slice(-STDERR_KEEP_BYTES * 4);
      // The SDK's own logger also writes to stdout; only our JSON lines are events.
      if (!line.startsWith("{")) return;
      try {
        this.lines.push(JSON.parse(line) as SdkLine);
      } catch {
        return;
      }
      this.#notify();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString("utf8")).slice(-STDERR_KEEP_BYTES);
    });
    child.on("exit", (code) => {
      this.#exited = code;
      this.#notify();
    });
  }

  /**
   * Starts `script` with only PATH and the fake's SDK environment; credentials and `config` go over
   * stdin.
   */
  static async start(
    fake: SpectrumFake,
    script: string,
    config: Record<string, unknown> = {},
    startedWhen: (line: SdkLine) => boolean = (line) => line.event === "ready",
  ): Promise<SdkProcess> {
    const dir = await mkdtemp(join(tmpdir(), "photon-sdk-"));
    const caFile = await fake.writeCaFile(dir);
    const child = spawn(process.execPath, [script], {
      cwd: new URL("..", import.meta.url).pathname,
      env: { PATH: process.env["PATH"] ?? "", ...fake.sdkEnvironment(caFile) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const sdk = new SdkProcess(child, dir);
    child.stdin.write(
      `${JSON.stringify({ projectId: fake.projectId, projectSecret: fake.projectSecret, ...config })}\n`,
    );
    // Loading the SDK takes ~0.6 s on an idle machine and far longer on a loaded CI box: a hang
    // guard only.
    await sdk.waitFor(startedWhen, 90_000);
    return sdk;
  }

  /** The channel's `health()` now (the fixture's `health` command; its shape is the test's). */
  async health<H>(): Promise<H> {
    const before = this.lines.length;
    this.send({ cmd: "health" });
    const line = await this.waitFor(
      (l: SdkLine) => l.event === "health" && this.lines.indexOf(l) >= before,
      90_000,
    );
    return line["health"] as H;
  }

  /** Polls health until `check` holds (health has no event to wait on); a hang guard only. */
  async healthWhen<H>(check: (h: H) => boolean, timeoutMs = 90_000): Promise<H> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const h = await this.health<H>();
      if (check(h)) return h;
      if (Date.now() > deadline) throw new Error(`health never matched: ${JSON.stringify(h)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * The first line (already seen or still to come) that `matches`; fails with the child's stderr on
   * exit or after `timeoutMs`.
   */
  waitFor(matches: (line: SdkLine) => boolean, timeoutMs = 30_000): Promise<SdkLine> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.lines.find(matches);
        if (found) {
          done();
          resolve(found);
          return true;
        }
        if (this.#exited !== undefined) {
          done();
          reject(
            new Error(
              `SDK process exited (${this.#exited}) before the expected line; stderr:\n${this.#stderr}`,
            ),
          );
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `no matching SDK line within ${timeoutMs} ms; lines: ${JSON.stringify(this.lines)}; stderr:\n${this.#stderr}`,
          ),
        );
      }, timeoutMs);
      const waiter = (): void => {
        check();
      };
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
      };
      if (!check()) this.#waiters.push(waiter);
    });
  }

  send(command: Record<string, unknown>): void {
    this.#child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** What the process printed: the last 64 KiB of stdout and 16 KiB of stderr. */
  get allOutput(): string {
    return `${this.#stdout}\n${this.#stderr}`;
  }

  get stderrText(): string {
    return this.#stderr;
  }

  async stop(): Promise<void> {
    if (this.#exited === undefined) {
      const exit = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
      this.#child.kill("SIGKILL");
      await exit;
    }
    await rm(this.#dir, { recursive: true, force: true });
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
