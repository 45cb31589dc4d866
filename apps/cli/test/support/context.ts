// An in-memory CliContext for in-process tests: captured output, fixed env/clock/host.
import type { CliContext, PromptOptions } from "../../src/context.js";
import { CancelledError } from "../../src/errors.js";

export interface FakeContext extends CliContext {
  out(): string;
  err(): string;
  prompts: Array<{ question: string; mask: boolean }>;
  opened: string[];
  abort(): void;
}

export function fakeContext(
  opts: {
    env?: Record<string, string | undefined>;
    tty?: boolean;
    /** stdout alone a terminal (stderr follows `tty`). */
    stdoutIsTTY?: boolean;
    stdinIsTTY?: boolean;
    answers?: string[];
    fetch?: typeof globalThis.fetch;
    now?: number;
    hostname?: string;
    home?: string;
  } = {},
): FakeContext {
  let stdout = "";
  let stderr = "";
  const controller = new AbortController();
  const answers = [...(opts.answers ?? [])];
  const prompts: FakeContext["prompts"] = [];
  const opened: string[] = [];
  let now = opts.now ?? 1_763_000_000_000;
  return {
    env: opts.env ?? {},
    stdout: {
      write: (s) => void (stdout += s),
      isTTY: opts.stdoutIsTTY ?? opts.tty ?? false,
      columns: 80,
    },
    stderr: { write: (s) => void (stderr += s), isTTY: opts.tty ?? false, columns: 80 },
    stdinIsTTY: opts.stdinIsTTY ?? opts.tty ?? false,
    prompt: async (question: string, o: PromptOptions = {}) => {
      prompts.push({ question, mask: o.mask === true });
      const a = answers.shift();
      if (a === undefined) throw new CancelledError();
      return a;
    },
    fetch: opts.fetch ?? globalThis.fetch,
    now: () => now,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw new CancelledError();
      now += ms;
    },
    hostname: async () => opts.hostname ?? "testhost",
    homedir: async () => opts.home ?? "/nonexistent-home",
    openBrowser: async (url) => {
      opened.push(url);
      return true;
    },
    signal: controller.signal,
    version: "9.9.9-test",
    out: () => stdout,
    err: () => stderr,
    prompts,
    opened,
    abort: () => controller.abort(),
  };
}
