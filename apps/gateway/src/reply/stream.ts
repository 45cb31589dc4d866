// One turn's reply as the chat sees it. Agent events are applied in order on one queue:
//  - `delta` text is appended to the message being written. Where the chat can stream
//    (capabilities.streaming), the first delta is sent at once and later text is shown by
//    `edit`s, at most one per `editIntervalMs` per message; text over the platform's limit is
//    split: the message is finished and the rest continues in a new one. Elsewhere the text is
//    sent once complete.
//  - `message`, `media` and `prompt` first finish the message being written, then go out whole.
//  - `media` is uploaded and sent with `send_media`; where the op is not supported (or the file
//    cannot be uploaded) the caption goes out as text instead. A refusal of `send_media` fails
//    the turn: it is never re-sent as another op.
//  - `prompt` is sent with the `prompt` op (buttons), else as numbered text.
// An egress decline of any op (send, edit, send_media, prompt) ends the turn with
// ReplyDeclinedError: nothing more is sent to the chat the connector refused, no op is retried
// and no content goes out again through another op.
// The first failed send fails the turn; an interrupted turn stops sending; a turn cut off by the
// drain budget throws DrainAbortError (it runs again after the restart).
import { basename, isAbsolute, resolve } from "node:path";
import type { AgentOutputEvent, PromptOption } from "../agent/ndjson-events.js";
import { DrainAbortError } from "../turns/scheduler.js";
import { isEgressDecline } from "@hermes/relay-adapter";
import { ReplyDeclinedError, SendFailedError, type ChatOutbound } from "./chat-outbound.js";
import type { PendingPrompt } from "./prompts.js";
import { numberedPromptText } from "./prompts.js";
import { splitReply, splitReplyPieces } from "./split.js";

export interface ReplyStreamLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
}

export interface ReplyStreamOptions {
  readonly out: ChatOutbound;
  readonly signal: AbortSignal;
  /** Minimum time between two edits of one message (default 1000 ms). */
  readonly editIntervalMs?: number;
  readonly now?: () => number;
  /** Run `fn` after `ms`; returns a cancel function (injected by tests). */
  readonly setTimer?: (fn: () => void, ms: number) => () => void;
  /** The id a `prompt` op carries for the agent's prompt id (default: the agent's id). */
  readonly promptWireId?: (promptId: string) => string;
  /** A prompt went out (as buttons or as text). */
  readonly onPrompt?: (prompt: PendingPrompt) => void;
  /** Relative media paths are resolved against this directory (the agent's). */
  readonly cwd?: string;
  readonly log?: ReplyStreamLogger;
}

export interface ReplySummary {
  /** Messages sent: text, media and prompts. */
  readonly messages: number;
  readonly edits: number;
}

const defaultTimer = (fn: () => void, ms: number): (() => void) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

export class ReplyStream {
  readonly #opts: ReplyStreamOptions;
  readonly #interval: number;
  readonly #now: () => number;
  readonly #setTimer: (fn: () => void, ms: number) => () => void;
  #queue: Promise<void> = Promise.resolve();
  #failure: unknown = null;
  /** Text of the message being written (from its start), not yet all shown. */
  #draft = "";
  #draftId: string | null = null;
  #shown = "";
  #lastShownAt = Number.NEGATIVE_INFINITY;
  #cancelTimer: (() => void) | null = null;
  #messages = 0;
  #edits = 0;
  /** The connector gave no message id to edit: the rest of the turn is sent whole. */
  #noEdits = false;

  constructor(opts: ReplyStreamOptions) {
    this.#opts = opts;
    this.#interval = opts.editIntervalMs ?? 1000;
    this.#now = opts.now ?? Date.now;
    this.#setTimer = opts.setTimer ?? defaultTimer;
  }

  /** Take one agent event (never throws; a failure surfaces from finish()). */
  push(event: AgentOutputEvent): void {
    switch (event.type) {
      case "delta":
        return this.#enqueue(() => this.#delta(event.text));
      case "message":
        // One queued step, not two: a turn's objects live until its reply is acked.
        return this.#enqueue(() => this.#sealThenSend(event.text));
      case "media":
        this.#enqueue(() => this.#seal());
        return this.#enqueue(() => this.#media(event.path, event.kind, event.caption));
      case "prompt":
        this.#enqueue(() => this.#seal());
        return this.#enqueue(() => this.#prompt(event.prompt_id, event.content, event.options));
    }
  }

  /** Finish the message being written, wait for every op; rejects with the first failure. */
  async finish(): Promise<ReplySummary> {
    this.#enqueue(() => this.#seal());
    await this.#queue;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    if (this.#failure !== null) throw this.#failure;
    return { messages: this.#messages, edits: this.#edits };
  }

  #enqueue(step: () => Promise<void>): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#stopped()) return;
      try {
        await step();
      } catch (e) {
        this.#failure = e;
      }
    });
  }

  /** No further step runs: an earlier one failed, or the turn was aborted (at the drain budget: a failure). */
  #stopped(): boolean {
    if (this.#failure !== null) return true;
    const { signal } = this.#opts;
    if (signal.reason instanceof DrainAbortError) {
      this.#failure = signal.reason;
      return true;
    }
    return signal.aborted;
  }

  async #sealThenSend(text: string): Promise<void> {
    await this.#seal();
    if (!this.#stopped()) await this.#sendText(text);
  }

  get #caps() {
    return this.#opts.out.capabilities;
  }

  get #streaming(): boolean {
    return this.#caps.streaming && !this.#noEdits;
  }

  async #delta(text: string): Promise<void> {
    if (text === "") return;
    this.#draft += text;
    if (!this.#streaming) return;
    // A message starts at the first visible text (a chat refuses a blank one).
    if (this.#draftId === null) return this.#draft.trim() === "" ? undefined : this.#show(false);
    const wait = this.#lastShownAt + this.#interval - this.#now();
    if (wait <= 0) return this.#show(false);
    this.#cancelTimer ??= this.#setTimer(() => {
      this.#cancelTimer = null;
      this.#enqueue(() => this.#show(false));
    }, wait);
  }

  /** Finish the message being written with its whole text. */
  async #seal(): Promise<void> {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    if (this.#draft === "") return this.#reset();
    if (!this.#streaming || this.#draftId === null) {
      await this.#sendText(this.#draft);
      return this.#reset();
    }
    // The last edit respects the interval too (≤ 1 edit per interval per message).
    const wait = this.#lastShownAt + this.#interval - this.#now();
    if (wait > 0 && this.#rendered() !== this.#shown)
      await new Promise<void>((r) => this.#setTimer(r, wait));
    await this.#show(true);
    this.#reset();
  }

  #reset(): void {
    this.#draft = "";
    this.#draftId = null;
    this.#shown = "";
  }

  #rendered(): string {
    const { maxMessageLength, lenUnit } = this.#caps;
    return splitReply(this.#draft, maxMessageLength, lenUnit)[0] ?? "";
  }

  /**
   * Show the draft: edit the current message (or send it), and when the text is over the limit
   * finish this message and continue the rest in new ones. `final`: an edit that fails fails the
   * turn (the user would not see the whole reply); otherwise a failed edit is retried later.
   */
  async #show(final: boolean): Promise<void> {
    const { maxMessageLength, lenUnit } = this.#caps;
    const pieces = splitReplyPieces(this.#draft, maxMessageLength, lenUnit);
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      const rendered = p.prefix + p.text + p.suffix;
      const last = i === pieces.length - 1;
      if (i === 0 && this.#draftId !== null) {
        if (rendered !== this.#shown) await this.#edit(this.#draftId, rendered, final || !last);
      } else {
        const id = await this.#opts.out.send(rendered, this.#opts.signal);
        this.#messages++;
        this.#draftId = id;
      }
      this.#shown = rendered;
      if (last) this.#draft = p.prefix + p.text;
    }
    this.#lastShownAt = this.#now();
    // A connector that gave no message id cannot be edited: what was sent stays as it is.
    if (this.#draftId === null) {
      this.#noEdits = true;
      this.#draft = "";
    }
  }

  async #edit(messageId: string, content: string, mustLand: boolean): Promise<void> {
    const r = await this.#opts.out.action("edit", { message_id: messageId, content });
    this.#edits++;
    if (r.success === true) return;
    if (isEgressDecline(r)) throw new ReplyDeclinedError("edit");
    if (mustLand)
      throw new SendFailedError(
        `reply edit not delivered: ${r.error ?? "unknown error"}${r.ambiguous === true ? " (ambiguous: may have been delivered)" : ""}`,
      );
    this.#opts.log?.warn(
      { error: r.error ?? null },
      "streamed reply: an edit was not applied (the next one carries the text)",
    );
  }

  async #sendText(text: string): Promise<void> {
    this.#messages += await sendTextChunks(this.#opts.out, this.#opts.signal, text);
  }

  async #media(path: string, kind: string, caption: string | undefined): Promise<void> {
    const out = this.#opts.out;
    const file = isAbsolute(path) ? path : resolve(this.#opts.cwd ?? process.cwd(), path);
    if (out.capabilities.supports("send_media")) {
      const up = await out.upload(file, this.#opts.signal);
      if (up.ok) {
        const r = await out.action("send_media", {
          media_kind: kind,
          source_url: up.url,
          content: caption ?? "",
          filename: basename(file),
        });
        if (r.success === true) {
          this.#messages++;
          return;
        }
        if (isEgressDecline(r)) throw new ReplyDeclinedError("send_media");
        if (r.unsupported !== true)
          throw new SendFailedError(
            `media not delivered: ${r.error ?? "unknown error"}${r.ambiguous === true ? " (ambiguous: may have been delivered)" : ""}`,
          );
      } else
        this.#opts.log?.warn(
          { code: up.code, err: up.message },
          "agent media not uploaded; sending its caption as text",
        );
    }
    await this.#sendText(caption ?? "");
  }

  async #prompt(
    promptId: string,
    content: string,
    options: readonly PromptOption[],
  ): Promise<void> {
    const out = this.#opts.out;
    if (out.capabilities.supports("prompt")) {
      const r = await out.action("prompt", {
        prompt_kind: "choice",
        prompt_id: this.#opts.promptWireId?.(promptId) ?? promptId,
        content,
        options: options.map((o) => ({ id: o.id, label: o.label })),
      });
      if (r.success === true) {
        this.#messages++;
        this.#opts.onPrompt?.({
          promptId,
          options,
          messageId: typeof r.message_id === "string" ? r.message_id : null,
          asText: false,
        });
        return;
      }
      if (isEgressDecline(r)) throw new ReplyDeclinedError("prompt");
      if (r.unsupported !== true)
        throw new SendFailedError(`prompt not delivered: ${r.error ?? "unknown error"}`);
    }
    const id = await out.send(numberedPromptText(content, options), this.#opts.signal);
    this.#messages++;
    this.#opts.onPrompt?.({ promptId, options, messageId: id, asText: true });
  }
}

/** Send `text` split at the chat's limit, one message after another; stops at an abort. Returns the messages sent. */
function sendTextChunks(out: ChatOutbound, signal: AbortSignal, text: string): Promise<number> {
  if (text.trim() === "") return Promise.resolve(0);
  const { maxMessageLength, lenUnit } = out.capabilities;
  return sendChunks(out, signal, splitReply(text, maxMessageLength, lenUnit));
}

async function sendChunks(
  out: ChatOutbound,
  signal: AbortSignal,
  chunks: readonly string[],
  onLastHandedOff?: () => void,
): Promise<number> {
  let sent = 0;
  for (let i = 0; i < chunks.length; i++) {
    // Each piece waits for the connector's answer to the one before; only the last one's
    // answer may be awaited while the session moves on.
    await out.send(chunks[i]!, signal, i === chunks.length - 1 ? onLastHandedOff : undefined);
    sent++;
    if (signal.aborted) return sent;
  }
  return sent;
}

/**
 * A turn's reply when the agent emitted no event, only its final text: what a ReplyStream given
 * that one `message` would send, without building one (most turns; it saves a queue of
 * promises per turn). Rejects with DrainAbortError when the drain budget cut the turn off.
 */
export function sendWholeReply(
  out: ChatOutbound,
  signal: AbortSignal,
  text: string,
  onLastHandedOff?: () => void,
): Promise<ReplySummary> {
  if (signal.reason instanceof DrainAbortError) return Promise.reject(signal.reason);
  if (signal.aborted || text.trim() === "") return Promise.resolve(NOTHING_SENT);
  const { maxMessageLength, lenUnit } = out.capabilities;
  const chunks = splitReply(text, maxMessageLength, lenUnit);
  // One message (most replies): no loop frame to keep alive while it is acked.
  if (chunks.length === 1)
    return out.send(chunks[0]!, signal, onLastHandedOff).then(oneMessageSent);
  return sendChunks(out, signal, chunks, onLastHandedOff).then((messages) => ({
    messages,
    edits: 0,
  }));
}

const NOTHING_SENT: ReplySummary = { messages: 0, edits: 0 };
const ONE_MESSAGE_SENT: ReplySummary = { messages: 1, edits: 0 };
const oneMessageSent = (): ReplySummary => ONE_MESSAGE_SENT;
