// Prompts an agent asked in a session, until the user answers. A button press arrives as the
// next event's `promptResponse` (the connector builds it); where the chat has no buttons the
// prompt was sent as numbered text, and the user's next message in the same session is read as
// the answer when it is one of the numbers (or an option's label). Bounded: one pending prompt
// per session (the newest wins), at most `maxSessions`, each forgotten after `ttlMs`.
import type { PromptResponse } from "@hermes/relay-adapter";
import type { PromptOption } from "../agent/ndjson-events.js";

export interface PendingPrompt {
  readonly promptId: string;
  readonly options: readonly PromptOption[];
  readonly messageId: string | null;
  /** Sent as numbered text (no `prompt` op): a typed number answers it. */
  readonly asText: boolean;
}

export interface PromptBookOptions {
  readonly maxSessions?: number;
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/** The text shown where a chat has no buttons. */
export function numberedPromptText(content: string, options: readonly PromptOption[]): string {
  const lines = options.map((o, i) => `${i + 1}. ${o.label}`);
  return `${content}\n\n${lines.join("\n")}\n\nReply with a number.`;
}

export class PromptBook {
  readonly #bySession = new Map<string, PendingPrompt & { readonly expiresAt: number }>();
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(opts: PromptBookOptions = {}) {
    this.#max = opts.maxSessions ?? 10_000;
    this.#ttlMs = opts.ttlMs ?? 60 * 60 * 1000;
    this.#now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.#bySession.size;
  }

  ask(sessionKey: string, prompt: PendingPrompt): void {
    this.#bySession.delete(sessionKey); // re-insert: the Map's order is the eviction order
    this.#bySession.set(sessionKey, { ...prompt, expiresAt: this.#now() + this.#ttlMs });
    while (this.#bySession.size > this.#max) {
      const oldest = this.#bySession.keys().next();
      if (oldest.done) break;
      this.#bySession.delete(oldest.value);
    }
  }

  /**
   * The answer an event carries for the session's pending prompt: its own `promptResponse`
   * (completed with the label when the prompt is known), or its text read as a number/label for
   * a text prompt. Either way the pending prompt is settled: the next message is the answer or
   * the user moved on.
   */
  answer(
    sessionKey: string,
    event: { readonly text: string; readonly promptResponse: PromptResponse | null },
  ): PromptResponse | null {
    const pending = this.#bySession.get(sessionKey);
    this.#bySession.delete(sessionKey);
    const live = pending !== undefined && pending.expiresAt >= this.#now() ? pending : undefined;
    if (event.promptResponse !== null) {
      const r = event.promptResponse;
      if (live === undefined || live.promptId !== r.promptId || r.label !== null) return r;
      return { ...r, label: live.options.find((o) => o.id === r.optionId)?.label ?? null };
    }
    if (live === undefined || !live.asText) return null;
    const typed = event.text.trim();
    const n = /^\d{1,3}$/.test(typed) ? Number(typed) : Number.NaN;
    const chosen =
      Number.isInteger(n) && n >= 1 && n <= live.options.length
        ? live.options[n - 1]
        : live.options.find((o) => o.label.toLowerCase() === typed.toLowerCase());
    if (chosen === undefined) return null;
    return {
      promptId: live.promptId,
      optionId: chosen.id,
      label: chosen.label,
      promptMessageId: live.messageId,
    };
  }
}
