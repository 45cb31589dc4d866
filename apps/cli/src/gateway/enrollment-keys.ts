// What `hermes gateway enroll` writes to $HERMES_HOME/.env, and the record of it that lets
// `hermes gateway unenroll` remove exactly those keys. The record is a key of the same file,
// written in the same atomic replace as the credentials, so the two can never disagree.

export const ENROLLED_KEYS = "GATEWAY_RELAY_ENROLLED_KEYS";

/** Always written by enroll (the delivery key when the connector returns one). */
export const CREDENTIAL_KEYS = [
  "GATEWAY_RELAY_ID",
  "GATEWAY_RELAY_SECRET",
  "GATEWAY_RELAY_DELIVERY_KEY",
] as const;

/** The keys a previous enroll recorded; null when there is no record (enrolled by hand or an older CLI). */
export function recordedKeys(dotenv: ReadonlyMap<string, string>): string[] | null {
  const raw = dotenv.get(ENROLLED_KEYS);
  if (raw === undefined) return null;
  return raw
    .split(",")
    .map((k) => k.trim())
    .filter((k) => /^GATEWAY_RELAY_[A-Z_]+$/.test(k));
}

/** The record to write: this enroll's keys plus those an earlier enroll wrote (still enroll's to remove). */
export function nextRecord(
  dotenv: ReadonlyMap<string, string>,
  written: readonly string[],
): string {
  return [...new Set([...(recordedKeys(dotenv) ?? []), ...written])].join(",");
}
