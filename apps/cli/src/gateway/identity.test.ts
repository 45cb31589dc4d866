import { relaySettings, SettingsSource } from "@hermes/settings";
import { describe, expect, it } from "vitest";
import type { CliError } from "../errors.js";
import { type IdentityDeps, nousTokenFrom, resolveCallerIdentity } from "./identity.js";

type Call = {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
};

function deps(
  over: {
    env?: Record<string, string>;
    dotenv?: Record<string, string>;
    auth?: Record<string, unknown>;
    flag?: string;
    respond?: (c: Call) => Response;
  } = {},
) {
  const calls: Call[] = [];
  const fetchImpl = (async (input: URL | string, init: RequestInit = {}) => {
    const call = {
      url: String(input),
      method: init.method ?? "GET",
      headers: { ...(init.headers as Record<string, string>) },
      body: init.body as string | undefined,
    };
    calls.push(call);
    if (!over.respond) throw new Error("no request expected");
    return over.respond(call);
  }) as typeof fetch;
  const d: IdentityDeps = {
    settings: relaySettings(
      new SettingsSource({
        env: over.env ?? {},
        dotenv: new Map(Object.entries(over.dotenv ?? {})),
        yamlText: null,
      }),
    ),
    flagToken: over.flag,
    readAuth: async () => over.auth ?? {},
    authPath: "/home/u/.hermes/auth.json",
    fetch: fetchImpl,
    signal: new AbortController().signal,
    now: () => 1_763_000_000_000,
  };
  return { d, calls };
}

const IDP = {
  GATEWAY_RELAY_IDP_TOKEN_URL: "https://idp.example/token",
  GATEWAY_RELAY_IDP_CLIENT_ID: "client-1",
  GATEWAY_RELAY_IDP_CLIENT_SECRET: "IDP-CLIENT-SECRET",
};

describe("resolveCallerIdentity", () => {
  it("prefers the flag, then GATEWAY_RELAY_IDENTITY_TOKEN, before any IdP request", async () => {
    const a = deps({
      flag: "FLAG-TOKEN",
      env: { GATEWAY_RELAY_IDENTITY_TOKEN: "ENV-TOKEN", ...IDP },
    });
    expect(await resolveCallerIdentity(a.d)).toEqual({
      token: "FLAG-TOKEN",
      source: "--identity-token",
    });
    const b = deps({ env: { GATEWAY_RELAY_IDENTITY_TOKEN: "ENV-TOKEN", ...IDP } });
    expect((await resolveCallerIdentity(b.d)).token).toBe("ENV-TOKEN");
    const c = deps({ dotenv: { GATEWAY_RELAY_IDENTITY_TOKEN: "DOTENV-TOKEN" } });
    expect(await resolveCallerIdentity(c.d)).toEqual({
      token: "DOTENV-TOKEN",
      source: "GATEWAY_RELAY_IDENTITY_TOKEN (.env)",
    });
    expect(a.calls.length + b.calls.length + c.calls.length).toBe(0);
  });

  it("does the client-credentials form POST and requires access_token", async () => {
    const ok = deps({
      env: { ...IDP, GATEWAY_RELAY_IDP_SCOPE: "relay.enroll" },
      respond: () => Response.json({ access_token: "IDP-ACCESS", token_type: "Bearer" }),
    });
    expect(await resolveCallerIdentity(ok.d)).toEqual({
      token: "IDP-ACCESS",
      source: "the IdP (client credentials)",
    });
    const call = ok.calls[0]!;
    expect(call.method).toBe("POST");
    expect(call.headers["Content-Type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(call.body))).toEqual({
      grant_type: "client_credentials",
      client_id: "client-1",
      client_secret: "IDP-CLIENT-SECRET",
      scope: "relay.enroll",
    });
    const noToken = deps({ env: IDP, respond: () => Response.json({ token_type: "Bearer" }) });
    await expect(resolveCallerIdentity(noToken.d)).rejects.toThrow(
      "The IdP token endpoint returned no access_token.",
    );
    const denied = deps({
      env: IDP,
      respond: () => Response.json({ error: "invalid_client" }, { status: 401 }),
    });
    await expect(resolveCallerIdentity(denied.d)).rejects.toThrow(
      "The IdP token endpoint returned HTTP 401: invalid_client.",
    );
  });

  it("errors without any request when only one of client id / secret is set", async () => {
    for (const env of <Array<Record<string, string>>>[
      {
        GATEWAY_RELAY_IDP_TOKEN_URL: IDP.GATEWAY_RELAY_IDP_TOKEN_URL,
        GATEWAY_RELAY_IDP_CLIENT_ID: "client-1",
      },
      {
        GATEWAY_RELAY_IDP_TOKEN_URL: IDP.GATEWAY_RELAY_IDP_TOKEN_URL,
        GATEWAY_RELAY_IDP_CLIENT_SECRET: "S",
      },
    ]) {
      const x = deps({ env, respond: () => Response.json({ access_token: "nope" }) });
      const err = (await resolveCallerIdentity(x.d).catch((e: unknown) => e)) as CliError;
      expect(err.code).toBe("identity-idp-incomplete");
      expect(x.calls).toHaveLength(0);
    }
  });

  it("refuses to post the client secret over plain http to a remote IdP", async () => {
    const x = deps({
      env: { ...IDP, GATEWAY_RELAY_IDP_TOKEN_URL: "http://idp.example/token" },
      respond: () => Response.json({}),
    });
    await expect(resolveCallerIdentity(x.d)).rejects.toMatchObject({ code: "insecure-http" });
    expect(x.calls).toHaveLength(0);
  });

  it("with the token URL alone, GETs a JSON access_token or a bare token", async () => {
    const json = deps({
      env: { GATEWAY_RELAY_IDP_TOKEN_URL: "https://meta.example/t" },
      respond: () => Response.json({ access_token: "JSON-TOKEN" }),
    });
    expect((await resolveCallerIdentity(json.d)).token).toBe("JSON-TOKEN");
    expect(json.calls[0]?.method).toBe("GET");
    expect(json.calls[0]?.headers.Authorization).toBeUndefined();
    const bare = deps({
      env: { GATEWAY_RELAY_IDP_TOKEN_URL: "https://meta.example/t" },
      respond: () => new Response("BARE-TOKEN\n"),
    });
    expect((await resolveCallerIdentity(bare.d)).token).toBe("BARE-TOKEN");
    const junk = deps({
      env: { GATEWAY_RELAY_IDP_TOKEN_URL: "https://meta.example/t" },
      respond: () => new Response("<html>login</html>"),
    });
    await expect(resolveCallerIdentity(junk.d)).rejects.toMatchObject({ code: "identity-idp" });
    const empty = deps({
      env: { GATEWAY_RELAY_IDP_TOKEN_URL: "https://meta.example/t" },
      respond: () => Response.json({ nope: 1 }),
    });
    await expect(resolveCallerIdentity(empty.d)).rejects.toThrow(/without an access_token/);
  });

  it("falls back to the Nous login in auth.json", async () => {
    const pool = deps({
      auth: {
        credential_pool: { nous: [{ access_token: "NOUS-POOL" }] },
        providers: { nous: { access_token: "NOUS-LEGACY" } },
      },
    });
    expect(await resolveCallerIdentity(pool.d)).toEqual({
      token: "NOUS-POOL",
      source: "your Nous Portal login",
    });
    const legacy = deps({ auth: { providers: { nous: { access_token: "NOUS-LEGACY" } } } });
    expect((await resolveCallerIdentity(legacy.d)).token).toBe("NOUS-LEGACY");
  });

  it("says so when the Nous login expired, and lists every option when there is nothing", async () => {
    const old = deps({
      auth: {
        credential_pool: { nous: [{ access_token: "OLD", expires_at: "2020-01-01T00:00:00Z" }] },
      },
    });
    await expect(resolveCallerIdentity(old.d)).rejects.toMatchObject({ code: "identity-expired" });
    const none = deps();
    const err = (await resolveCallerIdentity(none.d).catch((e: unknown) => e)) as CliError;
    expect(err.code).toBe("identity-missing");
    const text = err.hints.join("\n");
    for (const option of [
      "--identity-token",
      "GATEWAY_RELAY_IDENTITY_TOKEN",
      "GATEWAY_RELAY_IDP_CLIENT_SECRET",
      "alone",
      "Nous Portal",
    ]) {
      expect(text).toContain(option);
    }
  });

  it("reads expiry in seconds or milliseconds", () => {
    expect(
      nousTokenFrom(
        { credential_pool: { nous: [{ token: "T", expires_at: 1_763_000_001 }] } },
        1_763_000_000_000,
      ).token,
    ).toBe("T");
    expect(
      nousTokenFrom(
        { credential_pool: { nous: [{ token: "T", expires_at: 1_762_999_999_000 }] } },
        1_763_000_000_000,
      ).expired,
    ).toBe(true);
  });
});
