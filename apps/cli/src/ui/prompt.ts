// A one-line terminal prompt on stdin/stderr. Masked input is read in raw mode so the tty
// never echoes it; Ctrl-C and Ctrl-D reject with CancelledError.
import type { PromptOptions } from "../context.js";
import { CancelledError } from "../errors.js";

export function terminalPrompt(
  stdin: NodeJS.ReadStream,
  stderr: NodeJS.WriteStream,
): (question: string, opts?: PromptOptions) => Promise<string> {
  return (question, opts = {}) =>
    new Promise<string>((resolve, reject) => {
      let answer = "";
      const raw = stdin.isTTY === true;
      // Raw mode (no echo) BEFORE the question appears: anything typed after seeing it is
      // never echoed by the terminal.
      if (raw) stdin.setRawMode(true);
      stderr.write(question);
      stdin.setEncoding("utf8");
      const finish = (err?: Error) => {
        stdin.off("data", onData);
        stdin.off("end", onEnd);
        if (raw) stdin.setRawMode(false);
        stdin.pause();
        stderr.write("\n");
        if (err) reject(err);
        else resolve(answer);
      };
      const onEnd = () => finish(new CancelledError());
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === "\r" || ch === "\n") return finish();
          if (ch === "\u0003" || (ch === "\u0004" && answer === ""))
            return finish(new CancelledError());
          if (ch === "\u007f" || ch === "\b") {
            if (answer.length > 0) {
              answer = answer.slice(0, -1);
              if (!opts.mask) stderr.write("\b \b");
            }
            continue;
          }
          if (ch < " ") continue;
          answer += ch;
          if (!opts.mask) stderr.write(ch);
        }
      };
      stdin.on("data", onData);
      stdin.on("end", onEnd);
      stdin.resume();
    });
}
