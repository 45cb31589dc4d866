// Everything `hermes gateway enroll` checks BEFORE it redeems the single-use token, so a
// problem this machine can see never wastes one: HERMES_HOME writable and lockable, an
// existing enrollment confirmed (a terminal) or forced (`--force`), environment variables
// that would shadow what is written (a warning), and the connector answering at all.
import { stripTrailingSlashes } from "@hermes/settings";
import type { CliContext } from "../context.js";
import { CliError, printable } from "../errors.js";
import { safeRequest } from "../net/safe-fetch.js";
import type { HomeStore } from "../store.js";
import { confirmOrThrow } from "../ui/confirm.js";
import type { Output } from "../ui/output.js";
import { ENROLLED_KEYS } from "./enrollment-keys.js";

const TOKEN_UNUSED = "The enrollment token was not used.";
const REACHABILITY_TIMEOUT_MS = 10_000;

/** HERMES_HOME can be created, locked and written (and .env / auth.json replaced). */
export async function checkHomeWritable(store: HomeStore): Promise<void> {
  try {
    await store.checkWritable();
  } catch (e) {
    if (e instanceof CliError)
      throw new CliError(e.code, `${e.message} ${TOKEN_UNUSED}`, {
        hints: e.hints,
        exitCode: e.exitCode,
        cause: e,
      });
    throw e;
  }
}

/** An existing enrollment in `.env` is replaced only when confirmed on a terminal or with --force. */
export async function confirmReplacingEnrollment(
  ctx: CliContext,
  dotenv: ReadonlyMap<string, string>,
  force: boolean,
): Promise<boolean> {
  if (!dotenv.get("GATEWAY_RELAY_SECRET")?.trim()) return false;
  const id = dotenv.get("GATEWAY_RELAY_ID")?.trim();
  await confirmOrThrow(
    ctx,
    `This HERMES_HOME is already enrolled${id ? ` as gateway "${printable(id, 128)}"` : ""}; replace that enrollment?`,
    force,
    { flag: "--force", unchanged: `Nothing was changed. ${TOKEN_UNUSED}` },
  );
  return true;
}

/**
 * Keys set in the real environment win over `.env` (for this CLI and for hermes-gateway): a
 * value written there would be silently ignored. `planned` maps each key enroll will write to
 * its value, or null when the value is only known after redeeming (secrets).
 */
export function warnShadowingEnv(
  ctx: CliContext,
  out: Output,
  planned: ReadonlyMap<string, string | null>,
): string[] {
  const shadowed: string[] = [];
  for (const [key, value] of planned) {
    if (key === ENROLLED_KEYS) continue;
    const real = ctx.env[key]?.trim();
    if (!real || (value !== null && real === value)) continue;
    shadowed.push(key);
    out.warn(
      `${key} is set in your environment: it overrides the value enroll writes to .env, so the gateway would not use the new one. Unset it (\`unset ${key}\`) before starting the gateway.`,
    );
  }
  return shadowed;
}

/** One cheap unauthenticated GET: any HTTP answer proves the connector is there. */
export async function checkConnectorReachable(
  ctx: CliContext,
  base: URL,
  baseText: string,
  allowInsecureHttp: boolean,
): Promise<void> {
  const prefix = stripTrailingSlashes(base.pathname);
  try {
    await safeRequest({
      url: new URL(`${prefix}/healthz`, base.origin),
      method: "GET",
      headers: { Accept: "application/json" },
      allowInsecureHttp,
      timeoutMs: REACHABILITY_TIMEOUT_MS,
      maxBytes: 4096,
      peer: "the connector",
      peerUrl: baseText,
      fetch: ctx.fetch,
      signal: ctx.signal,
    });
  } catch (err) {
    if (err instanceof CliError && err.code === "unreachable") {
      throw new CliError("connector-unreachable", `${err.message}. ${TOKEN_UNUSED}`, {
        hints: ["Check --connector-url / GATEWAY_RELAY_URL and your network, then retry."],
        cause: err,
      });
    }
    if (err instanceof CliError && err.code === "response-too-large") return; // it answered
    throw err;
  }
}
