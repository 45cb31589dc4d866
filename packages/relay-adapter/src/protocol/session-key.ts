// Session keys (docs/contract/relay.md#session-keys): the conformance oracle shared by the gateway and
// the connector. Both sides must derive the SAME key from the same source, or an interrupt /
// follow-up capability bound by the connector lands on no session.

/** The fields of a SessionSource that take part in the key. Extra keys are ignored. */
export interface SessionKeySource {
  platform: string;
  chat_id?: string | null;
  chat_type?: string | null;
  user_id?: string | null;
  user_id_alt?: string | null;
  thread_id?: string | null;
  prospective_thread_id?: string | null;
  scope_id?: string | null;
  profile?: string | null;
}

export interface SessionKeyOptions {
  /** One session per participant in group chats. Default true. */
  groupSessionsPerUser?: boolean;
  /** One session per participant inside threads too. Default false (a thread is shared). */
  threadSessionsPerUser?: boolean;
}

/** `agent:main` for the default profile, `agent:main~` for a profile literally named "main". */
export function sessionNamespace(profile: string | null | undefined): string {
  if (profile === null || profile === undefined || profile === "" || profile === "default") {
    return "agent:main";
  }
  if (profile === "main") return "agent:main~";
  return `agent:${profile}`;
}

function present(value: string | null | undefined): value is string {
  return typeof value === "string" && value !== "";
}

/**
 * `<ns>:<platform>:<chat_type>[:<scope_id, Slack only>][:<chat_id>]...`.
 *
 * - thread = `thread_id`, or for non-DMs `prospective_thread_id` (then the chat_type slot is `thread`);
 * - participant = `user_id_alt` or `user_id`;
 * - DM: chat_id; the participant only when chat_id is empty; then the thread;
 * - non-DM: chat_id, the thread, then the participant when `groupSessionsPerUser` and not
 *   (a thread is present and not `threadSessionsPerUser`).
 *
 * Empty or missing parts are left out (never an empty `::` segment). Pure; never throws on
 * a well-typed source.
 */
export function buildSessionKey(source: SessionKeySource, opts: SessionKeyOptions = {}): string {
  const groupPerUser = opts.groupSessionsPerUser ?? true;
  const threadPerUser = opts.threadSessionsPerUser ?? false;
  const chatType = present(source.chat_type) ? source.chat_type : "dm";
  const isDm = chatType === "dm";
  const participant = present(source.user_id_alt)
    ? source.user_id_alt
    : present(source.user_id)
      ? source.user_id
      : null;

  let thread: string | null = present(source.thread_id) ? source.thread_id : null;
  let typeSlot = chatType;
  if (thread === null && !isDm && present(source.prospective_thread_id)) {
    thread = source.prospective_thread_id;
    typeSlot = "thread";
  }

  // Built by concatenation, not an array joined: a key is built for every inbound message.
  let key = `${sessionNamespace(source.profile)}:${source.platform}:${typeSlot}`;
  if (source.platform === "slack" && present(source.scope_id)) key += `:${source.scope_id}`;

  if (isDm) {
    if (present(source.chat_id)) key += `:${source.chat_id}`;
    else if (participant !== null) key += `:${participant}`;
    if (thread !== null) key += `:${thread}`;
  } else {
    if (present(source.chat_id)) key += `:${source.chat_id}`;
    if (thread !== null) key += `:${thread}`;
    const perUser = groupPerUser && !(thread !== null && !threadPerUser);
    if (perUser && participant !== null) key += `:${participant}`;
  }
  return key;
}

/**
 * The named Hermes profile a session key was built under (the inverse of
 * {@link sessionNamespace}): null for the default `agent:main` namespace and for anything that
 * is not an `agent:<ns>:…` key; "main" for `agent:main~`. A `follow_up` carries it so the
 * connector routes the next interaction of that session to the same profile.
 */
export function profileFromSessionKey(sessionKey: string): string | null {
  const parts = sessionKey.split(":");
  if (parts.length < 2 || parts[0] !== "agent" || parts[1] === "" || parts[1] === undefined)
    return null;
  const ns = parts[1];
  if (ns === "main") return null;
  if (ns === "main~") return "main";
  return ns === "default" ? null : ns;
}
