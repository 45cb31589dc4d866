// Tiny request/response over a forked child's IPC channel, for benchmarks that put the peer
// (connector, HTTP server) in its own process so it does not share our event loop.
import { fork } from "node:child_process";

/**
 * Fork `file`, wait for its first message (`{ ready: … }`), and return a `request(msg)` that
 * resolves with the child's reply carrying the same `id`.
 * @param {string | URL} file
 * @param {{ args?: string[], execArgv?: string[], env?: NodeJS.ProcessEnv }} [opts]
 */
export async function startChild(file, opts = {}) {
  const child = fork(file, opts.args ?? [], {
    execArgv: opts.execArgv ?? [],
    env: opts.env ?? process.env,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting = new Map();
  let nextId = 1;
  const ready = await new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`${file} exited ${code} before it was ready`)));
    child.once("message", (m) => resolve(m.ready));
  });
  child.removeAllListeners("exit");
  child.on("exit", (code, signal) => {
    for (const { reject } of waiting.values())
      reject(new Error(`${file} exited (${code ?? signal})`));
    waiting.clear();
  });
  child.on("message", (m) => {
    const w = waiting.get(m.id);
    if (w === undefined) return;
    waiting.delete(m.id);
    w.resolve(m);
  });
  return {
    child,
    ready,
    /** @param {Record<string, unknown>} msg */
    request(msg) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ ...msg, id });
      });
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
    },
  };
}
