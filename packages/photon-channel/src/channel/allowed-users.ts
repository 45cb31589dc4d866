// Who may talk to the agent over iMessage. Default deny: an empty list lets nobody in.
// Entries are E.164 phone numbers or iMessage handles (email addresses), as written in
// PHOTON_ALLOWED_USERS; formatting people type into phone numbers is ignored.

/** Why an entry of the allowlist was not used. */
export interface RejectedAllowEntry {
  entry: string;
  reason: "not_e164_or_email";
}

export interface AllowedUsers {
  /** Whether `handle` (a sender id as the SDK reports it) is allowed. */
  allows(handle: string | null | undefined): boolean;
  readonly size: number;
  /** Entries that were ignored, so configuration mistakes can be reported instead of silently denying. */
  readonly rejected: readonly RejectedAllowEntry[];
}

// Same rule as @hermes/photon-api's `E164`, written here because this package depends on no
// @hermes package (a runtime dependency for one regex would tie the two releases together).
const E164 = /^\+[1-9]\d{6,14}$/;
// One @, no whitespace, a dotted domain: loose on purpose (iMessage accepts any Apple ID email).
// Domain labels cannot contain the dot that separates them, so matching never backtracks.
const EMAIL = /^[^\s@]+@[^\s.@]+(?:\.[^\s.@]+)+$/;
// Characters people put into phone numbers: spaces, dashes, dots, parentheses.
const PHONE_FORMATTING = /[\s().-]/g;

/** The form used for comparison: E.164 without formatting, or a lowercased email; `null` for anything else. */
export function normalizeHandle(raw: string): string | null {
  const trimmed = raw.trim();
  if (trimmed.includes("@")) return EMAIL.test(trimmed) ? trimmed.toLowerCase() : null;
  const phone = trimmed.replace(PHONE_FORMATTING, "");
  return E164.test(phone) ? phone : null;
}

/** Builds the allowlist from entries (an array, or one comma/whitespace-separated string). */
export function parseAllowedUsers(entries: string | readonly string[]): AllowedUsers {
  const list = typeof entries === "string" ? entries.split(",") : entries;
  const allowed = new Set<string>();
  const rejected: RejectedAllowEntry[] = [];
  for (const entry of list) {
    if (entry.trim() === "") continue;
    const normalized = normalizeHandle(entry);
    if (normalized === null) rejected.push({ entry: entry.trim(), reason: "not_e164_or_email" });
    else allowed.add(normalized);
  }
  return {
    allows: (handle) => {
      if (typeof handle !== "string") return false;
      const normalized = normalizeHandle(handle);
      return normalized !== null && allowed.has(normalized);
    },
    size: allowed.size,
    rejected,
  };
}
