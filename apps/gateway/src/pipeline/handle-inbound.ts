// The gateway's per-message path, independent of the transport: authorize → one turn per
// session (FIFO) → agent → split to the platform's length → send each chunk in order.
// Everything adapter-specific is injected, so wiring @hermes/relay-adapter is a thin step.
import type { AgentBackend } from "../agent/types.js";
import type { AuthDecision } from "../auth/authorize.js";
import { splitReply, type LenUnit } from "../reply/split.js";
import { DrainAbortError, TurnCancelledError, TurnsDrainingError, type TurnScheduler } from "../turns/scheduler.js";

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
  readonly authorize: (event: unknown) => AuthDecision;
  readonly sessionKey: (event: unknown) => string;
  /** The limits of the event's chat (its platform's descriptor) at the time of sending. */
  readonly limits: (event: unknown) => { readonly maxMessageLength: number; readonly lenUnit: LenUnit };
  /** `signal` aborts with the turn (an interrupt or the drain budget): an in-flight send stops waiting. */
  readonly send: (event: unknown, text: string, signal: AbortSignal) => Promise<void>;
}

export async function handleInbound(event: unknown, deps: InboundDeps): Promise<InboundOutcome> {
  const auth = deps.authorize(event);
  if (!auth.ok) return { kind: "denied", reason: auth.reason };
  return runInboundTurn(event, deps);
}

/** The turn of an already authorized event: queue in its session, run the agent, send the reply. */
export async function runInboundTurn(
  event: unknown,
  deps: Omit<InboundDeps, "authorize">,
  sessionKey: string = deps.sessionKey(event),
): Promise<InboundOutcome> {
  let turnSignal: AbortSignal | null = null;
  try {
    return await deps.scheduler.submit(sessionKey, async (signal) => {
      turnSignal = signal;
      const reply = await deps.agent.runTurn(event, { signal });
      if (reply.trim() === "") return { kind: "empty" } as const;
      const { maxMessageLength, lenUnit } = deps.limits(event);
      const chunks = splitReply(reply, maxMessageLength, lenUnit);
      for (const c of chunks) {
        // Cut off by the drain budget mid-reply: not finished, so it runs again after the restart.
        if (signal.reason instanceof DrainAbortError) throw signal.reason;
        if (signal.aborted) break;
        await deps.send(event, c, signal);
      }
      return { kind: "replied", chunks: chunks.length } as const;
    });
  } catch (e) {
    if (e instanceof TurnsDrainingError) return { kind: "draining" };
    if (e instanceof TurnCancelledError || (turnSignal as AbortSignal | null)?.reason instanceof DrainAbortError) return { kind: "cancelled" };
    const code = typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : "GATEWAY_TURN_FAILED";
    return { kind: "failed", code, message: e instanceof Error ? e.message : String(e) };
  }
}
