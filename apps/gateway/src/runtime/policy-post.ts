// POST /relay/policy at boot (docs/contract/relay.md#policy): one request per declared platform, upgrade-token
// bearer, full replace. Fail-soft: every failure is logged and the boot continues.
//
// Through node:http(s), which `ws` has already loaded, not the global fetch: the first fetch of
// a process loads Node's bundled undici (~50 ms of CPU here), and this POST goes out right after
// the handshake, where a woken gateway's first replayed messages are waiting.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
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
  readonly timeoutMs?: number;
}

/** POST `body` on a connection of its own; resolves with the status (the answer is discarded). */
function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** Resolves with the number of policies the connector accepted (2xx). Never rejects. */
export async function postRelayPolicies(opts: PolicyPostOptions): Promise<number> {
  if (opts.policies.length === 0) return 0;
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
      // A redirect is not followed (a 3xx is a refusal, as any other non-2xx).
      const status = await post(url, headers, body, opts.timeoutMs ?? 10_000);
      if (status >= 200 && status < 300) {
        accepted++;
        opts.log.info({ platform: p.platform }, "relay policy declared");
      } else {
        opts.log.warn(
          { platform: p.platform, status },
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
