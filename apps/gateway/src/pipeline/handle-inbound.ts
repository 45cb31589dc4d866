// The gateway's per-message path, independent of the transport: authorize → one turn per
// session (FIFO) → agent → split to the platform's length → send each chunk in order.
// Everything adapter-specific is injected, so wiring @hermes/relay-adapter is a thin step.
import type { AgentBackend } from "../agent/types.js";
import type { AuthDecision } from "../auth/authorize.js";
import { splitReply, type LenUnit } from "../reply/split.js";
import { TurnsDrainingError, type TurnScheduler } from "../turns/scheduler.js";

export type InboundOutcome =
  | { readonly kind: "replied"; readonly chunks: number }
  | { readonly kind: "empty" }
  | { readonly kind: "denied"; readonly reason: string }
  | { readonly kind: "draining" }
  | { readonly kind: "failed"; readonly code: string; readonly message: string };

export interface InboundDeps {
  readonly agent: AgentBackend;
  readonly scheduler: TurnScheduler;
  readonly authorize: (event: unknown) => AuthDecision;
  readonly sessionKey: (event: unknown) => string;
  /** The descriptor's limits at the time of sending. */
  readonly limits: () => { readonly maxMessageLength: number; readonly lenUnit: LenUnit };
  readonly send: (event: unknown, text: string) => Promise<void>;
}

export async function handleInbound(event: unknown, deps: InboundDeps): Promise<InboundOutcome> {
  const auth = deps.authorize(event);
  if (!auth.ok) return { kind: "denied", reason: auth.reason };
  try {
    return await deps.scheduler.submit(deps.sessionKey(event), async (signal) => {
      const reply = await deps.agent.runTurn(event, { signal });
      if (reply.trim() === "") return { kind: "empty" } as const;
      const { maxMessageLength, lenUnit } = deps.limits();
      const chunks = splitReply(reply, maxMessageLength, lenUnit);
      for (const c of chunks) {
        if (signal.aborted) break;
        await deps.send(event, c);
      }
      return { kind: "replied", chunks: chunks.length } as const;
    });
  } catch (e) {
    if (e instanceof TurnsDrainingError) return { kind: "draining" };
    const code = typeof (e as { code?: unknown }).code === "string" ? (e as { code: string }).code : "GATEWAY_TURN_FAILED";
    return { kind: "failed", code, message: e instanceof Error ? e.message : String(e) };
  }
}
