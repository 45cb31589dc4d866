// What a user sees while a turn runs: `typing` at once and every few seconds until the turn
// ends, and, where the connector supports `react` and reactions are on for the platform, 👀 on
// the user's message, replaced by ✅ (answered) or ❌ (failed) at the end. Cosmetic: every op is
// fire-and-forget, a refusal or a dead link is logged at debug and never fails or delays a turn.
//
// Typing is one-shot on Discord and Telegram (the indicator expires by itself, and an empty
// `typing` there would show it again), so only Slack, whose status line persists, gets the
// explicit clear (`content: ""`) at the end — as upstream does.
import { isEgressDecline } from "@hermes/relay-adapter";
// Platforms with reactions on unless configured (see README: Telegram notifies on every
// reaction); the default of GATEWAY_REACTIONS, resolved with the rest of the configuration.
import { DEFAULT_REACTION_PLATFORMS } from "@hermes/settings/gateway";
import type { ChatOutbound } from "../reply/chat-outbound.js";

export const REACTION_WORKING = "👀";
export const REACTION_DONE = "✅";
export const REACTION_FAILED = "❌";

export interface ActivityOptions {
  /** Time between two `typing` ops; 0 turns typing off. Default 4000 ms. */
  readonly typingIntervalMs?: number;
  /** Platforms (lower case) where the turn reacts on the user's message. */
  readonly reactionPlatforms?: readonly string[];
  readonly log?: { debug(fields: Record<string, unknown>, msg: string): void };
  /** Repeat `fn` every `ms`; returns a stop function (injected by tests). */
  readonly every?: (fn: () => void, ms: number) => () => void;
}

export interface TurnActivityHandle {
  /** The turn is over: stop typing, settle the reaction. Idempotent. */
  end(outcome: "ok" | "failed"): void;
}

const NO_ACTIVITY: TurnActivityHandle = { end: () => undefined };

const defaultEvery = (fn: () => void, ms: number): (() => void) => {
  const t = setInterval(fn, ms);
  t.unref(); // the turn, not its typing, holds the process
  return () => clearInterval(t);
};

export class TurnActivity {
  readonly #interval: number;
  readonly #reactions: ReadonlySet<string>;
  readonly #opts: ActivityOptions;
  readonly #every: (fn: () => void, ms: number) => () => void;

  constructor(opts: ActivityOptions = {}) {
    this.#opts = opts;
    this.#interval = opts.typingIntervalMs ?? 4000;
    this.#reactions = new Set(opts.reactionPlatforms ?? DEFAULT_REACTION_PLATFORMS);
    this.#every = opts.every ?? defaultEvery;
  }

  /** Start the turn's activity on its chat; `messageId` is the user's message (reactions go on it). */
  start(out: ChatOutbound, messageId: string | null): TurnActivityHandle {
    const caps = out.capabilities;
    const typing = this.#interval > 0 && caps.supports("typing");
    const react =
      messageId !== null &&
      messageId !== "" &&
      this.#reactions.has(caps.platform) &&
      caps.supports("react");
    // Nothing to show (typing and reactions off for this chat): no closures for this turn.
    if (!typing && !react) return NO_ACTIVITY;
    let stopTyping: (() => void) | null = null;
    /** The connector refused the 👀: the end-of-turn reactions would be refused too. */
    let reactDeclined = false;
    const fire = (op: string, fields: Record<string, unknown>): void => {
      void out.action(op, fields).then(
        (r) => {
          if (r.success !== true && r.unsupported !== true)
            this.#opts.log?.debug({ op, error: r.error ?? null }, "activity op not applied");
          // The connector refused this chat: an egress decline is final, so typing is not
          // asked for again every few seconds of the turn.
          if (!isEgressDecline(r)) return;
          if (op === "react") reactDeclined = true;
          else if (op === "typing" && stopTyping !== null) {
            stopTyping();
            stopTyping = null;
          }
        },
        () => undefined,
      );
    };
    if (typing) {
      fire("typing", {});
      stopTyping = this.#every(() => fire("typing", {}), this.#interval);
    }
    if (react) fire("react", { message_id: messageId, emoji: REACTION_WORKING });
    let ended = false;
    return {
      end: (outcome) => {
        if (ended) return;
        ended = true;
        if (stopTyping !== null) {
          stopTyping();
          if (caps.platform === "slack") fire("typing", { content: "" });
        }
        if (react && !reactDeclined) {
          fire("react", { message_id: messageId, emoji: REACTION_WORKING, remove: true });
          fire("react", {
            message_id: messageId,
            emoji: outcome === "ok" ? REACTION_DONE : REACTION_FAILED,
          });
        }
      },
    };
  }
}
