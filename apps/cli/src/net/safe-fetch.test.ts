import { describe, expect, it } from "vitest";
import { CliError } from "../errors.js";
import { isLoopbackHost } from "@hermes/settings";
import { assertSecureTransport, type SafeRequest, safeRequest } from "./safe-fetch.js";

type Call = { url: string; method: string; headers: Record<string, string>; body: unknown };

function scripted(responses: Array<(call: Call) => Response>): {
  fetch: typeof fetch;
  calls: Call[];
} {
  const calls: Call[] = [];
  const fetchImpl = (async (input: URL | string, init: RequestInit = {}) => {
    const call = {
      url: String(input),
      method: init.method ?? "GET",
      headers: { ...(init.headers as Record<string, string>) },
      body: init.body,
    };
    calls.push(call);
    const next = responses.shift();
    if (!next) throw new Error("unexpected request");
    return next(call);
  }) as typeof fetch;
  return { fetch: fetchImpl, calls };
}

function req(fetchImpl: typeof fetch, over: Partial<SafeRequest> = {}): SafeRequest {
  return {
    url: new URL("https://connector.example/relay/enroll"),
    method: "POST",
    headers: { "Content-Type": "application/json" },
    bearer: "BEARER-SECRET",
    body: "{}",
    allowInsecureHttp: false,
    timeoutMs: 5_000,
    maxBytes: 1024,
    peer: "the connector",
    fetch: fetchImpl,
    signal: new AbortController().signal,
    ...over,
  };
}

describe("isLoopbackHost / assertSecureTransport", () => {
  it.each(["127.0.0.1", "127.8.9.10", "localhost", "LOCALHOST", "[::1]"])("%s is loopback", (h) =>
    expect(isLoopbackHost(h)).toBe(true),
  );
  it.each([
    "10.0.0.1",
    "example.com",
    "128.0.0.1",
    "localhost.example.com",
    "api.localhost",
    "evil.localhost",
    "localhost.",
  ])("%s is not", (h) => expect(isLoopbackHost(h)).toBe(false));

  it("refuses the bearer over plain http to a *.localhost name (it may resolve off the machine)", () => {
    expect(() =>
      assertSecureTransport(new URL("http://api.localhost:8080/x"), false, "the connector"),
    ).toThrow(/plain http/);
    expect(() =>
      assertSecureTransport(new URL("http://localhost:8080/x"), false, "the connector"),
    ).not.toThrow();
    expect(() =>
      assertSecureTransport(new URL("http://[::1]:8080/x"), false, "the connector"),
    ).not.toThrow();
  });

  it("refuses plain http to a remote host unless allowed", () => {
    const err = (() => {
      try {
        assertSecureTransport(new URL("http://example.com/x"), false, "the connector");
      } catch (e) {
        return e as CliError;
      }
    })();
    expect(err?.code).toBe("insecure-http");
    expect(err?.hints.join(" ")).toMatch(/--allow-insecure-http/);
    expect(() =>
      assertSecureTransport(new URL("http://example.com/x"), true, "the connector"),
    ).not.toThrow();
    expect(() =>
      assertSecureTransport(new URL("http://127.0.0.1:9/x"), false, "the connector"),
    ).not.toThrow();
    expect(() =>
      assertSecureTransport(new URL("ftp://example.com/x"), true, "the connector"),
    ).toThrow(/scheme/);
  });
});

describe("safeRequest", () => {
  it("sends the bearer and returns the body", async () => {
    const s = scripted([
      () =>
        new Response('{"ok":1}', { status: 200, headers: { "content-type": "application/json" } }),
    ]);
    const res = await safeRequest(req(s.fetch));
    expect(res).toEqual({ status: 200, contentType: "application/json", body: '{"ok":1}' });
    expect(s.calls[0]?.headers.Authorization).toBe("Bearer BEARER-SECRET");
  });

  it("makes no request at all over insecure http", async () => {
    const s = scripted([]);
    await expect(
      safeRequest(req(s.fetch, { url: new URL("http://connector.example/relay/enroll") })),
    ).rejects.toMatchObject({ code: "insecure-http" });
    expect(s.calls).toHaveLength(0);
  });

  it("keeps the Authorization header on a same-origin redirect", async () => {
    const s = scripted([
      () => new Response(null, { status: 307, headers: { location: "/v2/relay/enroll" } }),
      () => new Response("{}", { status: 200 }),
    ]);
    await safeRequest(req(s.fetch, { bodyIsSecret: true }));
    expect(s.calls[1]?.url).toBe("https://connector.example/v2/relay/enroll");
    expect(s.calls[1]?.headers.Authorization).toBe("Bearer BEARER-SECRET");
    expect(s.calls[1]?.method).toBe("POST");
  });

  it("drops the Authorization header on a cross-host redirect (and POST becomes GET on 302)", async () => {
    const s = scripted([
      () =>
        new Response(null, { status: 302, headers: { location: "https://elsewhere.example/x" } }),
      () => new Response("{}", { status: 200 }),
    ]);
    await safeRequest(req(s.fetch));
    expect(s.calls[1]?.url).toBe("https://elsewhere.example/x");
    expect(s.calls[1]?.headers.Authorization).toBeUndefined();
    expect(s.calls[1]?.method).toBe("GET");
    expect(s.calls[1]?.body).toBeUndefined();
  });

  it("refuses to re-send a credential-bearing body to another host on 307/308", async () => {
    const s = scripted([
      () => new Response(null, { status: 308, headers: { location: "https://evil.example/" } }),
    ]);
    await expect(safeRequest(req(s.fetch, { bodyIsSecret: true }))).rejects.toMatchObject({
      code: "cross-origin-redirect",
    });
    expect(s.calls).toHaveLength(1);
  });

  it("stops after too many redirects", async () => {
    const loop = () => new Response(null, { status: 302, headers: { location: "/again" } });
    const s = scripted(Array.from({ length: 10 }, () => loop));
    await expect(safeRequest(req(s.fetch))).rejects.toMatchObject({ code: "too-many-redirects" });
  });

  it("caps the response size by content-length and by streamed bytes", async () => {
    const big = "x".repeat(2048);
    const declared = scripted([
      () => new Response(big, { status: 200, headers: { "content-length": "2048" } }),
    ]);
    await expect(safeRequest(req(declared.fetch))).rejects.toMatchObject({
      code: "response-too-large",
    });
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode("y".repeat(400)));
        c.close();
      },
    });
    const streamed = scripted([() => new Response(stream, { status: 200 })]);
    await expect(safeRequest(req(streamed.fetch))).rejects.toMatchObject({
      code: "response-too-large",
    });
  });

  it("reports an unreachable peer with the reason", async () => {
    const failing = (async () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      });
    }) as typeof fetch;
    const err = await safeRequest(req(failing, { peerUrl: "https://connector.example" })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toBe(
      "Could not reach the connector at https://connector.example: ECONNREFUSED",
    );
  });

  it("turns an abort into a cancellation", async () => {
    const controller = new AbortController();
    const hanging = ((_u: unknown, init: RequestInit) =>
      new Promise((_r, reject) =>
        init.signal?.addEventListener("abort", () => reject(new Error("aborted"))),
      )) as typeof fetch;
    const p = safeRequest(req(hanging, { signal: controller.signal }));
    controller.abort();
    await expect(p).rejects.toMatchObject({ code: "cancelled" });
  });
});
