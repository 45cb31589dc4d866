// chat_id → scope (Discord guild / Slack workspace) learned from inbound events, re-attached
// to outbound metadata so the connector's egress guard can resolve the owning tenant (docs/contract/relay.md#scope-re-attachment).
// Bounded (least recently seen evicted) so a busy instance does not grow without limit.

export class ScopeMap {
  readonly #map = new Map<string, string>();
  readonly #max: number;

  constructor(maxEntries = 10_000) {
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#map.size;
  }

  remember(chatId: string, scope: string): void {
    this.#map.delete(chatId);
    this.#map.set(chatId, scope);
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
  }

  get(chatId: string): string | undefined {
    return this.#map.get(chatId);
  }

  /** Learn from a wire source. Never throws: scope tracking must not break inbound. */
  capture(source: unknown): void {
    if (typeof source !== "object" || source === null) return;
    const s = source as Record<string, unknown>;
    const chat = s["chat_id"];
    const scope = nonEmpty(s["scope_id"]) ?? nonEmpty(s["guild_id"]);
    if (typeof chat === "string" && chat !== "" && scope !== null) this.remember(chat, scope);
  }

  /** Copy `metadata` adding `guild_id` and `scope_id` (ours) when absent and a scope is known. */
  attach(chatId: string, metadata: Record<string, unknown> | undefined): Record<string, unknown> {
    const meta: Record<string, unknown> = { ...(metadata ?? {}) };
    const scope = this.#map.get(chatId);
    if (scope === undefined) return meta;
    if (!meta["guild_id"]) meta["guild_id"] = scope;
    if (!meta["scope_id"]) meta["scope_id"] = scope;
    return meta;
  }
}

function nonEmpty(value: unknown): string | null {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}
