export interface TokenCandidate {
  /** Where the token was found, e.g. `access_token` or `set-auth-token`. */
  source: string;
  token: string;
}

function clean(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  let token = value.trim();
  if (token.toLowerCase().startsWith("bearer ")) token = token.slice(7).trim();
  return token || undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Every token shape Photon has used, in spec order, `Bearer ` stripped, empties and duplicates dropped. */
export function extractTokenCandidates(body: unknown, headers?: Headers): TokenCandidate[] {
  const out: TokenCandidate[] = [];
  const add = (source: string, value: unknown) => {
    const token = clean(value);
    if (token && !out.some((c) => c.token === token)) out.push({ source, token });
  };
  const b = record(body) ?? {};
  add("access_token", b.access_token);
  add("accessToken", b.accessToken);
  add("session.access_token", record(b.session)?.access_token);
  add("data.access_token", record(b.data)?.access_token);
  add("data.accessToken", record(b.data)?.accessToken);
  add("set-auth-token", headers?.get("set-auth-token"));
  return out;
}

export const TOKEN_SOURCES =
  "access_token, accessToken, session.access_token, data.access_token, data.accessToken, set-auth-token header";
