// The `hermes` executable: builds the real context from the process and runs the command tree.
import { homedir, hostname } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import type { CliContext } from "./context.js";
import { run } from "./program.js";
import { openBrowser } from "./ui/browser.js";
import { terminalPrompt } from "./ui/prompt.js";

declare const __HERMES_CLI_VERSION__: string;

const controller = new AbortController();
let interrupts = 0;
process.on("SIGINT", () => {
  // First Ctrl-C: abort cleanly (commands print what happened). Second: leave now.
  interrupts += 1;
  if (interrupts > 1) process.exit(130);
  controller.abort();
});

const ctx: CliContext = {
  env: process.env,
  stdout: { write: (s) => void process.stdout.write(s), isTTY: process.stdout.isTTY === true, columns: process.stdout.columns },
  stderr: { write: (s) => void process.stderr.write(s), isTTY: process.stderr.isTTY === true, columns: process.stderr.columns },
  stdinIsTTY: process.stdin.isTTY === true,
  prompt: terminalPrompt(process.stdin, process.stderr),
  fetch: globalThis.fetch,
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined),
  hostname: () => hostname(),
  homedir: () => homedir(),
  openBrowser: (url) => openBrowser(url),
  signal: controller.signal,
  version: typeof __HERMES_CLI_VERSION__ === "string" ? __HERMES_CLI_VERSION__ : "0.0.0-dev",
};

process.exitCode = await run(process.argv.slice(2), ctx);
