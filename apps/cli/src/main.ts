// The real process context and the command tree, loaded by cli.ts for everything but --version.
import { setTimeout as delay } from "node:timers/promises";
import type { CliContext } from "./context.js";
import { run } from "./program.js";
import { terminalPrompt } from "./ui/prompt.js";

/** A timer that an abort signal cancels (rejecting with an AbortError). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {});
}

export async function main(argv: readonly string[], version: string): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    // First Ctrl-C: abort cleanly (the command says what happened). Second: leave now.
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    controller.abort();
  });
  const ctx: CliContext = {
    env: process.env,
    stdout: { write: (s) => void process.stdout.write(s), isTTY: process.stdout.isTTY === true, columns: process.stdout.columns },
    stderr: { write: (s) => void process.stderr.write(s), isTTY: process.stderr.isTTY === true, columns: process.stderr.columns },
    // process.stdin is created on first access (a measurable cost): only when a command needs it.
    get stdinIsTTY() {
      return process.stdin.isTTY === true;
    },
    prompt: (question, opts) => terminalPrompt(process.stdin, process.stderr)(question, opts),
    fetch: globalThis.fetch,
    now: () => Date.now(),
    sleep,
    hostname: async () => (await import("node:os")).hostname(),
    homedir: async () => (await import("node:os")).homedir(),
    openBrowser: async (url) => (await import("./ui/browser.js")).openBrowser(url),
    signal: controller.signal,
    version,
  };
  return run(argv, ctx);
}
