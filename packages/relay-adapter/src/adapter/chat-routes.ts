// Per-chat egress routing learned from inbound events (docs/contract/relay-routing.md#3-what-an-outbound-action-carries-for-the-egress-guard, upstream
// `_capture_scope` / `_with_scope`). An outbound call names only a chat id, but the connector
// needs more to route and authorize it:
// - the chat's platform, so the reply leaves through the identity the chat arrived on (a
//   Discord + Telegram gateway must not answer a Telegram chat through Discord), and so the
//   right descriptor decides splitting and ops;
// - the tenant discriminators its egress guard resolves the owner from: `scope_id` (guild /
//   workspace) and the author's `user_id` (the only one for a DM, the fallback for a guild
//   without a route row), plus the Hermes `profile` the connector routed the chat to.
// Without them the connector declines egress ("target not routed to an onboarded tenant").
// Bounded: the least recently seen chat is evicted first (lru-cache: a Map with "delete the
// first key" costs O(size) per eviction in V8, which skips one hole per deleted entry).

import { LRUCache } from "lru-cache";

export interface ChatRoute {
  /** The underlying platform ("discord", …); never the generic "relay". */
  platform: string | null;
  scope: string | null;
  userId: string | null;
  chatType: string | null;
  profile: string | null;
}

function nonEmpty(value: unknown): string | null {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

export class ChatRoutes {
  readonly #map: LRUCache<string, ChatRoute>;

  constructor(maxEntries = 10_000) {
    this.#map = new LRUCache<string, ChatRoute>({ max: Math.max(1, maxEntries) });
  }

  get size(): number {
    return this.#map.size;
  }

  get(chatId: string): ChatRoute | undefined {
    return this.#map.peek(chatId);
  }

  /** The chat's platform as seen inbound, or undefined for a chat never seen. */
  platformOf(chatId: string): string | undefined {
    return this.#map.peek(chatId)?.platform ?? undefined;
  }

  /**
   * Learn from a wire source. A field the source does not carry keeps what was learned before
   * (a later event without a scope does not forget the guild). Never throws: routing must not
   * break inbound.
   */
  capture(source: unknown): void {
    if (typeof source !== "object" || source === null) return;
    const s = source as Record<string, unknown>;
    const chat = nonEmpty(s["chat_id"]);
    if (chat === null) return;
    const prev = this.#map.peek(chat);
    const wirePlatform = nonEmpty(s["platform"]);
    const platform =
      wirePlatform !== null && wirePlatform !== "relay" ? wirePlatform : (prev?.platform ?? null);
    const scope = nonEmpty(s["scope_id"]) ?? nonEmpty(s["guild_id"]) ?? prev?.scope ?? null;
    const userId = nonEmpty(s["user_id"]) ?? prev?.userId ?? null;
    const chatType = nonEmpty(s["chat_type"]) ?? prev?.chatType ?? null;
    const profile = nonEmpty(s["profile"]) ?? prev?.profile ?? null;
    if (
      prev !== undefined &&
      prev.platform === platform &&
      prev.scope === scope &&
      prev.userId === userId &&
      prev.chatType === chatType &&
      prev.profile === profile
    ) {
      // The same route again (every message of a chat): only mark it recently seen.
      this.#map.get(chat);
      return;
    }
    this.#map.set(chat, { platform, scope, userId, chatType, profile });
  }

  /**
   * Copy `metadata` adding what the connector's egress guard resolves the tenant from, each
   * only when absent: `scope_id` and its legacy alias `guild_id`, the author's `user_id`, and
   * the `profile`. The connector tries the scope first and falls back to the user on a route
   * miss, so carrying both never overrides routing.
   */
  attach(chatId: string, metadata: Record<string, unknown> | undefined): Record<string, unknown> {
    const meta: Record<string, unknown> = { ...(metadata ?? {}) };
    const route = this.#map.peek(chatId);
    if (route === undefined) return meta;
    if (route.scope !== null) {
      if (!meta["scope_id"]) meta["scope_id"] = route.scope;
      if (!meta["guild_id"]) meta["guild_id"] = route.scope;
    }
    if (route.userId !== null && !meta["user_id"]) meta["user_id"] = route.userId;
    if (route.profile !== null && !meta["profile"]) meta["profile"] = route.profile;
    return meta;
  }
}
