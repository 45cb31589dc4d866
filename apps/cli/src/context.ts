// Everything a command touches outside its own memory goes through this object, so tests run
// commands in-process with fake streams, env, clock and fetch. `cli.ts` builds the real one.

export interface OutputStream {
  write(text: string): void;
  /** True when the stream is a terminal: colour, spinners, QR codes only then. */
  readonly isTTY: boolean;
  readonly columns?: number | undefined;
}

export interface PromptOptions {
  /** Do not echo what is typed (tokens, secrets). */
  mask?: boolean;
}

export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Prompts are only ever shown when stdin is a terminal. */
  readonly stdinIsTTY: boolean;
  /** Ask one question on the terminal; rejects with CancelledError on Ctrl-C / end of input. */
  prompt(question: string, opts?: PromptOptions): Promise<string>;
  readonly fetch: typeof globalThis.fetch;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  hostname(): Promise<string>;
  /** The user's home directory (for the default HERMES_HOME). */
  homedir(): Promise<string>;
  /** Best effort; resolves false when no browser could be started. */
  openBrowser(url: string): Promise<boolean>;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
  readonly version: string;
}
