// The one secret scrubber: log lines and error messages pass through the same function, so a
// secret value that slips into a message (a YAML error, an exception from a dependency) is
// printed as <hidden>. Values shorter than 4 characters are left alone: scrubbing "a" or "1"
// would mangle every line and hide nothing worth hiding.

export const MIN_SECRET_LENGTH = 4;

/** encodeURIComponent, or the value itself for one it refuses (a lone surrogate). */
function percentEncoded(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Returns `text => text` with every known secret value (raw, JSON-escaped, and percent-encoded
 * as in a URL or a file name made from it) replaced by `<hidden>`.
 */
export function createSecretScrubber(secrets: readonly string[]): (text: string) => string {
  const needles = [
    ...new Set(
      secrets
        .filter((s) => s.length >= MIN_SECRET_LENGTH)
        .flatMap((s) => [s, JSON.stringify(s).slice(1, -1), percentEncoded(s)]),
    ),
  ].sort((a, b) => b.length - a.length);
  if (needles.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const n of needles) if (out.includes(n)) out = out.split(n).join("<hidden>");
    return out;
  };
}
