// The gateway's per-message path, independent of the transport: authorize → one turn per
// session (FIFO) → prepare the agent's view of the event (the answer to a pending prompt,
// attachments as local files) → agent → its reply, streamed or whole, to the chat — with the
// turn's activity (typing, reactions) around it. Everything adapter-specific is injected.
import type { RelayMessageEvent } from "@hermes/relay-adapter";
import type { TurnActivity, TurnActivityHandle } from "../activity/turn-activity.js";
import type { AgentBackend, AgentEvent } from "../agent/types.js";
import type { AuthDecision } from "../auth/authorize.js";
import type { ChatOutbound } from "../reply/chat-outbound.js";
import type { PromptBook } from "../reply/prompts.js";
import {
  ReplyStream,
  sendWholeReply,
  type ReplyStreamOptions,
  type ReplySummary,
} from "../reply/stream.js";
import {
  DrainAbortError,
  TurnCancelledError,
  TurnsDrainingError,
  type TurnScheduler,
} from "../turns/scheduler.js";

export type InboundOutcome =
  | { readonly kind: "replied"; readonly chunks: number }
  | { readonly kind: "empty" }
  | { readonly kind: "denied"; readonly reason: string }
  | { readonly kind: "draining" }
  /** Cut off by the drain budget before it finished: it runs again after a restart. */
  | { readonly kind: "cancelled" }
  | { readonly kind: "failed"; readonly code: string; readonly message: string };

export interface InboundDeps {
  readonly agent: AgentBackend;
  readonly scheduler: TurnScheduler;
  readonly authorize: (event: RelayMessageEvent) => AuthDecision;
  readonly sessionKey: (event: RelayMessageEvent) => string;
  /**
   * Resolves once the chat's capabilities are known (its platform's descriptor negotiated on the
   * link): a turn recovered at boot, or one started while the link re-dials, would otherwise be
   * split and gated by a placeholder. Absent: no wait.
   */
  readonly ready?: (event: RelayMessageEvent, signal: AbortSignal) => Promise<void> | void;
  /**
   * The chat of `event`: its capabilities and outbound ops, resolved when the turn runs.
   * `previous`: the session's earlier turn whose last reply still waits for the connector's
   * answer (null: none); the chat sends nothing but typing and reactions before it settles.
   */
  readonly outbound: (event: RelayMessageEvent, previous: Promise<void> | null) => ChatOutbound;
  /** Attachments to local files (absent: the agent gets the URLs). */
  readonly localize?: (event: RelayMessageEvent, signal: AbortSignal) => Promise<AgentEvent>;
  /** Typing and reactions (absent: none). */
  readonly activity?: TurnActivity;
  /** Pending prompts per session (absent: prompt answers pass through as the connector sent them). */
  readonly prompts?: PromptBook;
  /** Options of each turn's reply stream (edit interval, clock, logger). */
  readonly reply?: Omit<ReplyStreamOptions, "out" | "signal" | "onPrompt" | "promptWireId">;
}

export async function handleInbound(
  event: RelayMessageEvent,
  deps: InboundDeps,
): Promise<InboundOutcome> {
  const auth = deps.authorize(event);
  if (!auth.ok) return { kind: "denied", reason: auth.reason };
  return runInboundTurn(event, deps);
}

/**
 * The turn of an already authorized event: queue in its session, run the agent, send the reply.
 * `onEnd` hears the outcome of a turn that ran, before the turn settles in its session: the
 * session's next turn may send as soon as this one settles, and sees what `onEnd` did (the turn
 * journal records the turn finished there). Not called for a turn that never ran (refused while
 * draining, or cancelled before it started).
 */
export function runInboundTurn(
  event: RelayMessageEvent,
  deps: Omit<InboundDeps, "authorize">,
  sessionKey: string = deps.sessionKey(event),
  onEnd?: (outcome: InboundOutcome) => void,
): Promise<InboundOutcome> {
  return new Promise((resolve) => startInboundTurn(event, deps, sessionKey, onEnd, resolve));
}

/**
 * As runInboundTurn, with the outcome told to `onOutcome` (after it settled in its session)
 * instead of a promise: the hosts' per-message path, one callback where a promise and its
 * reactions were (apps/gateway/BENCH.md). `onOutcome` must not throw.
 */
export function startInboundTurn(
  event: RelayMessageEvent,
  deps: Omit<InboundDeps, "authorize">,
  sessionKey: string,
  onEnd: ((outcome: InboundOutcome) => void) | undefined,
  onOutcome: (outcome: InboundOutcome) => void,
): void {
  let turnSignal: AbortSignal | null = null;
  deps.scheduler.enqueue(
    sessionKey,
    (signal, release, previous) => {
      turnSignal = signal;
      return runTurnBody(event, deps, sessionKey, signal, release, previous, onEnd);
    },
    (ok, value) => onOutcome(ok ? (value as InboundOutcome) : failedOutcome(value, turnSignal)),
  );
}

async function runTurnBody(
  event: RelayMessageEvent,
  deps: Omit<InboundDeps, "authorize">,
  sessionKey: string,
  signal: AbortSignal,
  release: () => void,
  previous: Promise<void> | null,
  onEnd: ((outcome: InboundOutcome) => void) | undefined,
): Promise<InboundOutcome> {
  let outcome: InboundOutcome;
  let activity: TurnActivityHandle | undefined;
  let ok = false;
  try {
    const waitForChat = deps.ready?.(event, signal);
    if (waitForChat !== undefined) await waitForChat;
    const out = deps.outbound(event, previous);
    activity = deps.activity?.start(out, event.messageId);
    const promptResponse = deps.prompts
      ? deps.prompts.answer(sessionKey, event)
      : event.promptResponse;
    const answered: RelayMessageEvent =
      promptResponse === event.promptResponse ? event : { ...event, promptResponse };
    // Most messages carry no media: no promise to await for them (a turn held across
    // garbage collections keeps each of its objects alive; fewer is less memory).
    const agentEvent: AgentEvent =
      deps.localize && answered.media.length > 0 ? await deps.localize(answered, signal) : answered;
    const prompts = deps.prompts;
    // Built at the agent's first event: a turn whose agent only returns its text (most
    // turns) sends it whole without one.
    let reply: ReplyStream | null = null;
    const stream = (): ReplyStream =>
      // Spreads last: a literal that spreads and then adds keys costs ~2 µs on Node 20 (the
      // keys do not overlap: deps.reply has none of out, signal, onPrompt, promptWireId).
      (reply ??= new ReplyStream({
        out,
        signal,
        ...(prompts
          ? {
              onPrompt: (p) => prompts.ask(sessionKey, p),
              promptWireId: (id) => prompts.wireId(id),
            }
          : {}),
        ...deps.reply,
      }));
    const text = await deps.agent.runTurn(agentEvent, {
      signal,
      emit: (e) => stream().push(e),
    });
    let sent: ReplySummary;
    // A whole reply gives the session to its next turn once its last message is on the link:
    // that turn's agent runs while this answer is on its way (its sends wait for it). A
    // streamed reply keeps the session until its end.
    if (reply === null) sent = await sendWholeReply(out, signal, text, release);
    else {
      const r: ReplyStream = reply;
      if (text.trim() !== "") r.push({ type: "message", text });
      sent = await r.finish();
    }
    ok = true;
    outcome = sent.messages === 0 ? EMPTY : { kind: "replied", chunks: sent.messages };
  } catch (e) {
    outcome = failedOutcome(e, signal);
  } finally {
    activity?.end(ok ? "ok" : "failed");
  }
  // Before this turn settles in its session (see runInboundTurn).
  onEnd?.(outcome);
  return outcome;
}

const EMPTY: InboundOutcome = { kind: "empty" };

/** The outcome of a turn that threw (or never ran). */
function failedOutcome(e: unknown, turnSignal: AbortSignal | null): InboundOutcome {
  if (e instanceof TurnsDrainingError) return { kind: "draining" };
  if (e instanceof TurnCancelledError || turnSignal?.reason instanceof DrainAbortError)
    return { kind: "cancelled" };
  const code =
    typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string"
      ? (e as { code: string }).code
      : "GATEWAY_TURN_FAILED";
  return { kind: "failed", code, message: e instanceof Error ? e.message : String(e) };
}
