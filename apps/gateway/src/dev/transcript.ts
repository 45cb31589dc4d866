// The chat transcript both dev modes run: `--script` messages one by one, or lines typed at a
// prompt (piped input: each line echoed as the user's message).

export interface TranscriptOptions {
  readonly script?: readonly string[] | undefined;
  readonly input: NodeJS.ReadableStream;
  readonly out: NodeJS.WritableStream;
  readonly paint: (code: string, s: string) => string;
}

/** Resolves 1 when a scripted message got no good answer (`send` resolved false), else 0. */
export async function runTranscript(
  opts: TranscriptOptions,
  send: (text: string) => Promise<boolean>,
): Promise<number> {
  const say = (s: string) => opts.out.write(`${s}\n`);
  let code = 0;
  if (opts.script !== undefined) {
    for (const text of opts.script) {
      say(`${opts.paint("33", "you   ›")} ${text}`);
      if (!(await send(text))) code = 1;
    }
    return code;
  }
  const { createInterface } = await import("node:readline");
  const tty = (opts.input as NodeJS.ReadStream).isTTY === true;
  if (tty) say(opts.paint("2", "type a message and press Enter; Ctrl-D or Ctrl-C to quit"));
  const rl = createInterface({ input: opts.input, terminal: false });
  const prompt = () => tty && opts.out.write(opts.paint("33", "you   › "));
  prompt();
  for await (const line of rl) {
    if (line.trim() !== "") {
      if (!tty) say(`${opts.paint("33", "you   ›")} ${line}`);
      await send(line);
    }
    prompt();
  }
  if (tty) opts.out.write("\n");
  return code;
}
