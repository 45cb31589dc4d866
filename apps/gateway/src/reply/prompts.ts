// Prompts an agent asked in a session, until the user answers. A button press arrives as the
// next event's `promptResponse` (the connector builds it); where the chat has no buttons the
// prompt was sent as numbered text, and the user's next message in the same session is read as
// the answer when it is one of the numbers (or an option's label). Bounded: one pending prompt
// per session (the newest wins), at most `maxSessions`, each forgotten after `ttlMs`.
//
// Prompt ids on the wire name their owner (as upstream's prompt surface does): the connector
// fans a button press out to every gateway of the tenant, so a `prompt` op carries
// `<owner>.<agent's id>` (owner: 8 hex, stable per gateway id so a press after a restart is
// still ours), and a press whose owner segment is another gateway's is not this gateway's to
// answer. The agent sees its own id back. An agent id too long to prefix within the codec's 32
// characters gets a minted `<owner>.<16 hex>` id, mapped back while remembered.
import { createHash, randomBytes } from "node:crypto";
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
  /** This gateway's owner segment (8 hex; default random). See {@link promptOwner}. */
  readonly owner?: string;
  readonly maxSessions?: number;
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/** The text shown where a chat has no buttons. */
export function numberedPromptText(content: string, options: readonly PromptOption[]): string {
  const lines = options.map((o, i) => `${i + 1}. ${o.label}`);
  return `${content}\n\n${lines.join("\n")}\n\nReply with a number.`;
}

/** The owner segment of a gateway's prompt ids: stable per gateway id, distinct across gateways. */
export function promptOwner(gatewayId: string): string {
  return createHash("sha256").update(gatewayId).digest("hex").slice(0, 8);
}

/** The connector's prompt codec: ids of 1–32 of `[A-Za-z0-9_.-]`. */
const MAX_WIRE_ID = 32;

export class PromptBook {
  readonly owner: string;
  /** Minted wire id → the agent's (long) id, bounded like the sessions. */
  readonly #minted = new Map<string, string>();
  readonly #bySession = new Map<string, PendingPrompt & { readonly expiresAt: number }>();
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(opts: PromptBookOptions = {}) {
    this.owner = opts.owner ?? randomBytes(4).toString("hex");
    this.#max = opts.maxSessions ?? 10_000;
    this.#ttlMs = opts.ttlMs ?? 60 * 60 * 1000;
    this.#now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.#bySession.size;
  }

  /** The id a `prompt` op carries for the agent's `promptId`. */
  wireId(promptId: string): string {
    const prefixed = `${this.owner}.${promptId}`;
    if (prefixed.length <= MAX_WIRE_ID) return prefixed;
    const minted = `${this.owner}.${randomBytes(8).toString("hex")}`;
    this.#minted.set(minted, promptId);
    while (this.#minted.size > this.#max) {
      const oldest = this.#minted.keys().next();
      if (oldest.done) break;
      this.#minted.delete(oldest.value);
    }
    return minted;
  }

  /** A press on a prompt another gateway minted (its owner segment is not ours). */
  isForeign(wireId: string): boolean {
    const dot = wireId.indexOf(".");
    // Only an owner-shaped head (8 hex) counts: an agent id with a dot sent before owners
    // existed is not mistaken for a sibling's.
    const head = wireId.slice(0, dot);
    return dot !== -1 && head !== this.owner && /^[0-9a-f]{8}$/.test(head);
  }

  /** The agent's id for a wire id (ids without our owner segment pass as they are). */
  #agentId(wireId: string): string {
    if (!wireId.startsWith(`${this.owner}.`)) return wireId;
    return this.#minted.get(wireId) ?? wireId.slice(this.owner.length + 1);
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
      const wire = event.promptResponse;
      const promptId = this.#agentId(wire.promptId);
      const r = promptId === wire.promptId ? wire : { ...wire, promptId };
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
