// POST /relay/policy at boot (docs/contract/relay.md#policy): one request per declared platform, upgrade-token
// bearer, full replace. Fail-soft: every failure is logged and the boot continues.
import { makeUpgradeToken } from "@hermes/relay-crypto";
import { relayHttpBase } from "@hermes/relay-adapter";
import type { RelayPolicy } from "@hermes/settings/gateway";

export interface PolicyPostLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PolicyPostOptions {
  readonly relayUrl: string;
  readonly gatewayId: string;
  readonly secret: string | null;
  readonly policies: readonly RelayPolicy[];
  readonly log: PolicyPostLogger;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

/** Resolves with the number of policies the connector accepted (2xx). Never rejects. */
export async function postRelayPolicies(opts: PolicyPostOptions): Promise<number> {
  if (opts.policies.length === 0) return 0;
  const doFetch = opts.fetch ?? fetch;
  let url: string;
  try {
    url = `${relayHttpBase(opts.relayUrl)}/relay/policy`;
  } catch (e) {
    opts.log.warn({ err: (e as Error).message }, "relay policy not sent: bad relay URL");
    return 0;
  }
  let accepted = 0;
  for (const p of opts.policies) {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (opts.secret)
      headers["authorization"] = `Bearer ${makeUpgradeToken(opts.gatewayId, opts.secret)}`;
    const body = JSON.stringify({
      platform: p.platform,
      requireAddress: p.requireAddress,
      freeResponseScopes: p.freeResponseScopes,
      allowOtherBots: p.allowOtherBots,
    });
    try {
      const res = await doFetch(url, {
        method: "POST",
        headers,
        body,
        redirect: "error",
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) {
        accepted++;
        opts.log.info({ platform: p.platform }, "relay policy declared");
      } else {
        opts.log.warn(
          { platform: p.platform, status: res.status },
          "relay policy refused by the connector; continuing",
        );
      }
    } catch (e) {
      opts.log.warn(
        { platform: p.platform, err: (e as Error).message },
        "relay policy not sent (connector unreachable); continuing",
      );
    }
  }
  return accepted;
}
