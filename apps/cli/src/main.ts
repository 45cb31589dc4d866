// The real process context and the command tree, loaded by cli.ts for everything but --version.
import type { CliContext } from "./context.js";
import { run } from "./program.js";
import { terminalPrompt } from "./ui/prompt.js";
import { standardStream } from "./ui/standard-stream.js";

/**
 * A timer that an abort signal cancels (rejecting with an AbortError). node:timers/promises is
 * imported on first use: only commands that wait load it, start-up does not.
 */
async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  const { setTimeout: delay } = await import("node:timers/promises");
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
    stdout: standardStream(1, () => process.stdout),
    stderr: standardStream(2, () => process.stderr),
    // process.stdin is created on first access (a measurable cost): only when a command needs it.
    get stdinIsTTY() {
      return process.stdin.isTTY === true;
    },
    prompt: (question, opts) => terminalPrompt(process.stdin, process.stderr)(question, opts),
    fetch: globalThis.fetch,
    now: () => Date.now(),
    sleep,
    // node:os on first use, without `import()`: in the CommonJS bin a dynamic import starts
    // Node's ESM loader, a start-up cost of its own (bench/cli-startup.mjs).
    hostname: async () => process.getBuiltinModule("node:os").hostname(),
    homedir: async () => process.getBuiltinModule("node:os").homedir(),
    openBrowser: async (url) => (await import("./ui/browser.js")).openBrowser(url),
    signal: controller.signal,
    version,
  };
  return run(argv, ctx);
}
