// Boot self-provision (docs/contract/relay-routing.md#5-boot-self-provision, upstream
// `self_provision_relay`): a gateway
// pointed at a connector with a caller identity token and no pinned secret mints its relay
// credentials at boot, once per fronted platform, and keeps them in memory only (never
// written to HERMES_HOME, never logged). All platforms share one gatewayId and one secret: the
// connector's secret record is per gateway, the routes are per platform. Fail-soft per
// platform: a platform that fails is logged and skipped, the others still come up.
import { relayHttpBase, type RelayIdentity } from "@hermes/relay-adapter";

export interface ProvisionLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ProvisionOptions {
  readonly relayUrl: string;
  readonly identityToken: string;
  readonly gatewayId: string;
  readonly identities: readonly RelayIdentity[];
  readonly endpoint: string | null;
  readonly routeKeys: readonly string[];
  readonly instanceId: string | null;
  readonly wakeUrl: string | null;
  readonly log: ProvisionLogger;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/** One platform's outcome: credentials issued, kept (`secretIssued: false`), or failed (why). */
export type PlatformProvision =
  | {
      readonly platform: string;
      readonly status: "issued" | "kept";
      readonly tenant: string | null;
    }
  | { readonly platform: string; readonly status: "failed"; readonly error: string };

export interface ProvisionResult {
  /** The upgrade secret to dial with, from the first platform that issued one; null when none did. */
  readonly secret: string | null;
  readonly deliveryKey: string | null;
  readonly gatewayId: string;
  readonly platforms: readonly PlatformProvision[];
}

const MAX_RESPONSE_BYTES = 64 * 1024;

class ProvisionError extends Error {}

/** POST {base}/relay/provision per identity. Never rejects; never logs the token or the secret. */
export async function provisionRelay(opts: ProvisionOptions): Promise<ProvisionResult> {
  let url: string;
  try {
    url = `${relayHttpBase(opts.relayUrl)}/relay/provision`;
  } catch (e) {
    opts.log.warn({ err: (e as Error).message }, "relay self-provision skipped: bad relay URL");
    return { secret: null, deliveryKey: null, gatewayId: opts.gatewayId, platforms: [] };
  }
  let secret: string | null = null;
  let deliveryKey: string | null = null;
  let gatewayId = opts.gatewayId;
  const platforms: PlatformProvision[] = [];
  for (const id of opts.identities) {
    const body: Record<string, unknown> = {
      gatewayId: opts.gatewayId,
      platform: id.platform,
      botId: id.botId,
    };
    // Absent keys are left out, never sent empty (the connector then stores null).
    if (opts.endpoint !== null) body["gatewayEndpoint"] = opts.endpoint;
    if (opts.routeKeys.length > 0) body["routeKeys"] = opts.routeKeys;
    if (opts.instanceId !== null) body["instanceId"] = opts.instanceId;
    if (opts.wakeUrl !== null) body["wakeUrl"] = opts.wakeUrl;
    try {
      const answer = await post(url, body, opts);
      const tenant = typeof answer["tenant"] === "string" ? answer["tenant"] : null;
      if (typeof answer["secret"] === "string" && answer["secret"] !== "") {
        // The first issued secret is the one we dial with; a later platform gets the same record.
        if (secret === null) {
          secret = answer["secret"];
          deliveryKey =
            typeof answer["deliveryKey"] === "string" && answer["deliveryKey"] !== ""
              ? answer["deliveryKey"]
              : null;
          if (typeof answer["gatewayId"] === "string" && answer["gatewayId"] !== "")
            gatewayId = answer["gatewayId"];
        }
        platforms.push({ platform: id.platform, status: "issued", tenant });
      } else if (answer["secretIssued"] === false) {
        // Valid: the connector already issued this gateway's secret; keep the one we have.
        platforms.push({ platform: id.platform, status: "kept", tenant });
      } else {
        throw new ProvisionError("the connector returned an unexpected response (no secret)");
      }
    } catch (e) {
      const error =
        e instanceof ProvisionError
          ? e.message
          : `could not reach the connector: ${(e as Error).message}`;
      platforms.push({ platform: id.platform, status: "failed", error });
      opts.log.warn(
        { platform: id.platform, err: error },
        "relay self-provision failed for this platform; continuing with the rest",
      );
    }
  }
  const ok = platforms.filter((p) => p.status !== "failed").map((p) => p.platform);
  const tenant =
    platforms.find(
      (p): p is Extract<PlatformProvision, { tenant: string | null }> => p.status !== "failed",
    )?.tenant ?? null;
  if (ok.length > 0) {
    opts.log.info(
      {
        gatewayId,
        tenant,
        platforms: ok,
        routes: opts.routeKeys.length,
        inbound: opts.endpoint === null ? "outbound-only" : "yes",
        instance: opts.instanceId ?? "unbound",
        secret: secret === null ? "kept" : "issued (in memory only)",
      },
      "relay self-provisioned",
    );
  }
  if (secret === null && ok.length > 0) {
    opts.log.warn(
      { gatewayId },
      "relay self-provision: the connector already issued this gateway's secret (secretIssued: false) and this process has none; " +
        "pin GATEWAY_RELAY_SECRET (hermes gateway enroll) or use a new GATEWAY_RELAY_ID",
    );
  }
  return { secret, deliveryKey, gatewayId, platforms };
}

async function post(
  url: string,
  body: object,
  opts: ProvisionOptions,
): Promise<Record<string, unknown>> {
  const res = await (opts.fetch ?? fetch)(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      authorization: `Bearer ${opts.identityToken}`,
    },
    body: JSON.stringify(body),
    // A redirect would carry the identity bearer elsewhere: refused.
    redirect: "error",
    signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
  });
  const text = await readCapped(res);
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const rec =
    typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  if (!res.ok) {
    const detail = typeof rec?.["error"] === "string" ? `: ${rec["error"].slice(0, 200)}` : "";
    throw new ProvisionError(
      res.status === 401
        ? "the connector rejected the caller identity (401)"
        : `the connector returned HTTP ${res.status}${detail}`,
    );
  }
  if (rec === null)
    throw new ProvisionError("the connector returned a response that is not a JSON object");
  return rec;
}

async function readCapped(res: Response): Promise<string> {
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new ProvisionError(`the connector's answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
