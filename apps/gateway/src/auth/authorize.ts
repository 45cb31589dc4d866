// docs/contract/relay.md#authorization. Default-deny: a user is admitted when the `<PLATFORM>_ALLOWED_USERS`
// allowlist of the event's platform names them. A relay event is admitted WITHOUT a local
// allowlist only when BOTH the adapter declares `authorizationIsUpstream` AND the event
// carries the marker the gateway stamped locally when it built the event from a relay
// frame (`isUpstreamRelayEvent` from @hermes/relay-adapter, injected here so that a
// hand-built or copied event, which cannot carry the marker, is judged by the allowlist).
// Never throws: garbage in → denied with a reason.

export interface AuthorizingAdapter {
  readonly authorizationIsUpstream: boolean;
}

export type AuthDecision =
  | { readonly ok: true; readonly via: "upstream" | "allowlist" }
  | { readonly ok: false; readonly reason: string };

export interface AuthorizeDeps {
  /** `<PLATFORM>_ALLOWED_USERS` keyed by lower-case platform. */
  readonly allowedUsers: ReadonlyMap<string, ReadonlySet<string>>;
  /** The locally stamped upstream marker check (relay-adapter's `isUpstreamRelayEvent`). */
  readonly isUpstreamRelayEvent: (event: unknown) => boolean;
}

export function authorize(
  adapter: AuthorizingAdapter,
  event: unknown,
  deps: AuthorizeDeps,
): AuthDecision {
  if (
    adapter.authorizationIsUpstream === true &&
    safeIsUpstream(deps.isUpstreamRelayEvent, event)
  ) {
    return { ok: true, via: "upstream" };
  }
  const source = field(event, "source");
  const platform = field(source, "platform");
  if (typeof platform !== "string" || platform === "")
    return { ok: false, reason: "event has no source.platform" };
  const allow = deps.allowedUsers.get(platform.toLowerCase());
  if (!allow || allow.size === 0) {
    return {
      ok: false,
      reason: `no ${platform.toUpperCase()}_ALLOWED_USERS allowlist configured (default deny)`,
    };
  }
  for (const id of [field(source, "user_id"), field(source, "user_id_alt")]) {
    if (typeof id === "string" && id !== "" && allow.has(id)) return { ok: true, via: "allowlist" };
  }
  return { ok: false, reason: `user not in ${platform.toUpperCase()}_ALLOWED_USERS` };
}

function safeIsUpstream(check: (e: unknown) => boolean, event: unknown): boolean {
  try {
    return check(event) === true;
  } catch {
    return false;
  }
}

function field(v: unknown, key: string): unknown {
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>)[key] : undefined;
}
