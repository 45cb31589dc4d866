// An in-process gateway logger whose JSON lines are kept in memory, for tests that run
// GatewayRuntime without a child process.
import { Writable } from "node:stream";
import { createLogger } from "../../src/ops/logger.js";

/** A debug-level JSON logger that scrubs `secrets`, and the lines it wrote. */
export function capturedLogger(secrets: readonly string[]): {
  readonly log: ReturnType<typeof createLogger>;
  readonly lines: string[];
} {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger({ level: "debug", secrets, format: "json", destination }), lines };
}
