import { afterEach, describe, expect, it } from "vitest";
import {
  DeviceFlowDeniedError,
  DeviceFlowExpiredError,
  DeviceFlowTimeoutError,
  PhotonApiError,
  PhotonClient,
  PhotonDashboardAuthError,
} from "../src/index.js";
import type { FakePhotonServer } from "../src/testing/index.js";
import { setup } from "./support.js";

let server: FakePhotonServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe("requestDeviceCode", () => {
  it("sends photon-cli + scope and applies the 5 s / 900 s defaults", async () => {
    const s = await setup();
    server = s.server;
    const code = await s.client.requestDeviceCode();
    expect(code.interval).toBe(5);
    expect(code.expiresIn).toBe(900);
    expect(code.userCode).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(s.server.requests[0]?.body).toEqual({
      client_id: "photon-cli",
      scope: "openid profile email",
    });
  });

  it("an unregistered client id gets a typed error with the status", async () => {
    const s = await setup();
    server = s.server;
    const err = await s.client
      .requestDeviceCode({ clientId: "hermes-agent" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PhotonApiError);
    expect((err as PhotonApiError).status).toBe(400);
    expect((err as Error).message).toContain("unknown client");
  });
});

describe("pollForToken", () => {
  it("pending N times then approve; waits the interval each time, onPending called", async () => {
    const s = await setup();
    server = s.server;
    s.server.scriptDeviceCode({
      pending: 3,
      interval: 2,
      outcome: { approve: { token: "tok-a", shape: "access_token" } },
    });
    const code = await s.client.requestDeviceCode();
    const pendings: number[] = [];
    const got = await s.client.pollForToken(code, { onPending: (p) => pendings.push(p.attempt) });
    expect(got).toEqual([{ source: "access_token", token: "tok-a" }]);
    expect(pendings).toEqual([1, 2, 3]);
    expect(s.clock.sleeps).toEqual([2000, 2000, 2000]);
  });

  it("slow_down adds 5 s, 429 adds 10 s", async () => {
    const s = await setup();
    server = s.server;
    s.server.scriptDeviceCode({ slowDown: 2, outcome: { approve: {} } });
    const code = await s.client.requestDeviceCode();
    s.server.injectFailure({ path: "/api/auth/device/token", kind: { status: 429 } });
    await s.client.pollForToken(code);
    expect(s.clock.sleeps).toEqual([15000, 20000, 25000]);
  });

  it("network errors and 500s are retried", async () => {
    const s = await setup();
    server = s.server;
    const code = await s.client.requestDeviceCode();
    s.server.injectFailure({ path: "/api/auth/device/token", kind: "drop" });
    s.server.injectFailure({ path: "/api/auth/device/token", kind: { status: 500 } });
    const got = await s.client.pollForToken(code);
    expect(got[0]?.source).toBe("set-auth-token");
    expect(s.clock.sleeps).toEqual([5000, 5000]);
  });

  it("access_denied, expired_token, other errors", async () => {
    const s = await setup();
    server = s.server;
    s.server.scriptDeviceCode({ outcome: "deny" });
    await expect(s.client.pollForToken(await s.client.requestDeviceCode())).rejects.toBeInstanceOf(
      DeviceFlowDeniedError,
    );
    s.server.scriptDeviceCode({ pending: 1, outcome: "expire" });
    await expect(s.client.pollForToken(await s.client.requestDeviceCode())).rejects.toBeInstanceOf(
      DeviceFlowExpiredError,
    );
    s.server.scriptDeviceCode({ outcome: { error: "invalid_grant" } });
    await expect(s.client.pollForToken(await s.client.requestDeviceCode())).rejects.toThrow(
      /invalid_grant/,
    );
  });

  it("deadline from expires_in → timeout error", async () => {
    const s = await setup();
    server = s.server;
    s.server.scriptDeviceCode({
      pending: 1000,
      interval: 5,
      expiresIn: 20,
      outcome: { approve: {} },
    });
    const err = await s.client
      .pollForToken(await s.client.requestDeviceCode())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceFlowTimeoutError);
    expect(s.clock.sleeps.reduce((a, b) => a + b, 0)).toBe(20000);
  });

  it("is cancellable with an AbortSignal", async () => {
    const s = await setup();
    server = s.server;
    s.server.scriptDeviceCode({ pending: 1000, outcome: { approve: {} } });
    const controller = new AbortController();
    const code = await s.client.requestDeviceCode();
    const err = await s.client
      .pollForToken(code, {
        signal: controller.signal,
        onPending: (p) => {
          if (p.attempt === 2) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect((err as PhotonApiError).code).toBe("PHOTON_ABORTED");
  });

  it("200 with no token names the shapes looked for", async () => {
    const s = await setup();
    server = s.server;
    s.server.scriptDeviceCode({ outcome: { approve: { shape: [] } } });
    await expect(s.client.pollForToken(await s.client.requestDeviceCode())).rejects.toThrow(
      /access_token, accessToken, session\.access_token.*set-auth-token/,
    );
  });
});

describe("validation and loginWithDeviceFlow", () => {
  it("returns the first candidate that validates, opens verification_uri_complete", async () => {
    const s = await setup();
    server = s.server;
    s.server.scriptDeviceCode({
      pending: 1,
      outcome: { approve: { token: "good-token", shape: ["data.accessToken", "set-auth-token"] } },
    });
    const opened: string[] = [];
    let shownCode = "";
    const result = await s.client.loginWithDeviceFlow({
      onUserCode: (c) => {
        shownCode = c.userCode;
      },
      openBrowser: (u) => {
        opened.push(u);
      },
    });
    expect(result).toMatchObject({
      token: "good-token",
      source: "data.accessToken",
      user: { id: "user_1" },
    });
    expect(opened).toEqual([`${s.server.baseUrl}/device?user_code=${shownCode}`]);
    expect(s.logs.join("\n")).not.toContain("good-token");
  });

  it("a token that passes get-session but fails projects is refused, listing sources", async () => {
    const s = await setup();
    server = s.server;
    s.server.scriptDeviceCode({
      outcome: {
        approve: {
          token: "half-token",
          shape: ["access_token", "set-auth-token"],
          failsProjects: true,
        },
      },
    });
    const err = await s.client
      .loginWithDeviceFlow({ onUserCode: () => {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PhotonDashboardAuthError);
    expect((err as Error).message).toContain("rejected by the project API");
    expect((err as Error).message).toContain("tried: access_token");
    expect((err as Error).message).not.toContain("half-token");
  });

  it("distinguishes the three validation failures", async () => {
    const s = await setup();
    server = s.server;
    s.server.addToken("no-session", { session: false });
    await expect(s.client.validateDashboardToken("no-session")).rejects.toThrow(
      /session lookup rejected it/,
    );
    s.server.addToken("no-projects", { projects: false });
    await expect(s.client.validateDashboardToken("no-projects")).rejects.toThrow(
      /rejected by the project API/,
    );
    const odd = new PhotonClient({
      dashboardHost: s.server.baseUrl,
      fetch: async () => new Response(JSON.stringify({ user: {} }), { status: 200 }),
    });
    await expect(odd.validateDashboardToken("x")).rejects.toThrow(/did not recognize it/);
  });
});
