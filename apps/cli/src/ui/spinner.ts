import { createSpinner } from "nanospinner";
import type { CliContext } from "../context.js";

export interface Progress {
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  /** Remove the spinner without a final line (before printing an error). */
  stop(): void;
}

/**
 * A spinner on stderr when stderr is a terminal; otherwise nothing animated, just the final
 * line. We drive nanospinner's frames ourselves instead of `start()`, because `start()`
 * installs a SIGINT handler that calls process.exit and would skip our clean Ctrl-C abort.
 */
export function startProgress(ctx: CliContext, text: string): Progress {
  const tty = ctx.stderr.isTTY && ctx.env.TERM !== "dumb";
  if (!tty) {
    return {
      update: () => {},
      succeed: (t) => ctx.stderr.write(`✓ ${t}\n`),
      fail: () => {},
      stop: () => {},
    };
  }
  const stream = { write: (s: string) => ctx.stderr.write(s), columns: ctx.stderr.columns || 80 };
  const spinner = createSpinner(text, { stream: stream as unknown as NodeJS.WriteStream });
  spinner.spin();
  const timer = setInterval(() => spinner.spin(), 80);
  timer.unref();
  const done = () => clearInterval(timer);
  return {
    update: (t) => void spinner.update({ text: t }),
    succeed: (t) => {
      done();
      spinner.success({ text: t });
    },
    fail: (t) => {
      done();
      spinner.error({ text: t });
    },
    stop: () => {
      done();
      spinner.clear();
      ctx.stderr.write("\x1b[?25h");
    },
  };
}
