import { afterEach, describe, expect, it } from "vitest";
import {
  InvalidPhoneNumberError,
  PhotonApiError,
  PhotonDashboardAuthError,
  type ProjectCredentials,
} from "../src/index.js";
import type { FakePhotonServer } from "../src/testing/index.js";
import { setup } from "./support.js";

let server: FakePhotonServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function withProject() {
  const s = await setup();
  server = s.server;
  s.server.addToken("tok");
  const project = await s.client.createProject("tok", { name: "Hermes" });
  const creds: ProjectCredentials = {
    projectId: project.spectrumProjectId!,
    projectSecret: project.projectSecret!,
  };
  return { ...s, project, creds };
}

describe("dashboard", () => {
  it("createProject sends upstream's body; list hides the secret; find is case-insensitive", async () => {
    const s = await withProject();
    expect(s.server.requests.at(-1)?.body).toEqual({
      name: "Hermes",
      location: "United States",
      template: false,
      observability: false,
    });
    expect(s.project.projectSecret).toMatch(/^[0-9a-f]{48}$/);
    const list = await s.client.listProjects("tok");
    expect(list).toHaveLength(1);
    expect(list[0]).not.toHaveProperty("projectSecret");
    expect((await s.client.findProjectByName("tok", "  hermes "))?.id).toBe(s.project.id);
    expect(await s.client.findProjectByName("tok", "other")).toBeUndefined();
  });

  it("lists the project's lines (the dashboard's number inventory)", async () => {
    const s = await withProject();
    expect(await s.client.listLines("tok", s.project.id)).toEqual([]);
    s.server.addLine(s.project.id, "+14155550123");
    expect(await s.client.listLines("tok", s.project.id)).toMatchObject([
      { platform: "imessage", phoneNumber: "+14155550123", status: "active" },
    ]);
  });

  it("newer {success, id} creation shape", async () => {
    const s = await setup({ createProjectShape: "success-id" });
    server = s.server;
    s.server.addToken("tok");
    const p = await s.client.createProject("tok", { name: "X" });
    expect(p).toEqual({ id: s.server.projects[0]?.id, name: "X" });
  });

  it("regenerateProjectSecret kills the old secret", async () => {
    const s = await withProject();
    const { projectSecret } = await s.client.regenerateProjectSecret("tok", s.project.id);
    expect(projectSecret).not.toBe(s.creds.projectSecret);
    await expect(s.client.listUsers(s.creds)).rejects.toMatchObject({
      code: "PHOTON_SPECTRUM_AUTH",
      status: 401,
    });
    expect(await s.client.listUsers({ ...s.creds, projectSecret })).toEqual([]);
  });

  it("a stale token gives PhotonDashboardAuthError without the token in the message", async () => {
    const s = await setup();
    server = s.server;
    const err = await s.client.listProjects("stale-secret-token").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PhotonDashboardAuthError);
    expect((err as PhotonApiError).status).toBe(401);
    expect((err as Error).message).not.toContain("stale-secret-token");
  });

  it("GET retries 429 honouring Retry-After, and 500 with backoff, bounded", async () => {
    const s = await withProject();
    s.server.injectFailure({
      path: "/api/projects/",
      method: "GET",
      kind: { status: 429, retryAfter: 2 },
    });
    s.server.injectFailure({ path: "/api/projects/", method: "GET", kind: { status: 500 } });
    expect(await s.client.listProjects("tok")).toHaveLength(1);
    expect(s.clock.sleeps).toEqual([2000, 1000]);
    s.server.injectFailure({
      path: "/api/projects/",
      method: "GET",
      kind: { status: 500 },
      times: 10,
    });
    await expect(s.client.listProjects("tok")).rejects.toMatchObject({ status: 500 });
  });

  it("POST is not retried", async () => {
    const s = await withProject();
    s.server.injectFailure({ path: "/api/projects/", method: "POST", kind: { status: 500 } });
    await expect(s.client.createProject("tok", { name: "Y" })).rejects.toMatchObject({
      code: "PHOTON_HTTP",
      status: 500,
    });
    expect(s.server.projects).toHaveLength(1);
  });
});

describe("spectrum", () => {
  it("createUser: E.164 checked before any request; dedicated needs assignedPhoneNumber", async () => {
    const s = await withProject();
    const before = s.server.requests.length;
    await expect(
      s.client.createUser(s.creds, { phoneNumber: "5551234567" }),
    ).rejects.toBeInstanceOf(InvalidPhoneNumberError);
    await expect(
      s.client.createUser(s.creds, { phoneNumber: "+0123456789" }),
    ).rejects.toBeInstanceOf(InvalidPhoneNumberError);
    await expect(
      s.client.createUser(s.creds, { phoneNumber: "+15551234567", type: "dedicated" }),
    ).rejects.toMatchObject({ code: "PHOTON_INVALID_INPUT" });
    expect(s.server.requests.length).toBe(before);
  });

  it("shared users are idempotent by phone; listUsers unwraps the envelope; Basic auth sent", async () => {
    const s = await withProject();
    const a = await s.client.createUser(s.creds, { phoneNumber: "+15551234567", firstName: "Ada" });
    const b = await s.client.createUser(s.creds, { phoneNumber: "+15551234567" });
    expect(b.id).toBe(a.id);
    expect(a).toMatchObject({
      phoneNumber: "+15551234567",
      firstName: "Ada",
      projectId: s.creds.projectId,
    });
    expect(s.server.requests.at(-1)?.body).toEqual({ type: "shared", phoneNumber: "+15551234567" });
    expect(s.server.requests.at(-1)?.authorization).toBe(
      `Basic ${Buffer.from(`${s.creds.projectId}:${s.creds.projectSecret}`).toString("base64")}`,
    );
    expect(await s.client.listUsers(s.creds)).toHaveLength(1);
    const d = await s.client.createUser(s.creds, {
      phoneNumber: "+15557654321",
      type: "dedicated",
      assignedPhoneNumber: "+15550000000",
    });
    expect(d.assignedPhoneNumber).toBe("+15550000000");
    await expect(
      s.client.createUser(s.creds, {
        phoneNumber: "+15557654321",
        type: "dedicated",
        assignedPhoneNumber: "+15550000000",
      }),
    ).rejects.toMatchObject({ code: "PHOTON_CONFLICT", status: 409 });
  });

  it("webhooks: register returns the secret once; list omits it; 409 duplicate, 422 bad URL; delete and 404 = already gone", async () => {
    const s = await withProject();
    const hook = await s.client.registerWebhook(s.creds, "https://example.com/hook");
    expect(hook.signingSecret).toMatch(/^[0-9a-f]{64}$/);
    const list = await s.client.listWebhooks(s.creds);
    expect(list).toEqual([
      expect.objectContaining({ id: hook.id, webhookUrl: "https://example.com/hook" }),
    ]);
    expect(JSON.stringify(list)).not.toContain(hook.signingSecret);
    await expect(
      s.client.registerWebhook(s.creds, "https://example.com/hook"),
    ).rejects.toMatchObject({ code: "PHOTON_CONFLICT", status: 409 });
    await expect(s.client.registerWebhook(s.creds, "not a url")).rejects.toMatchObject({
      code: "PHOTON_VALIDATION",
      status: 422,
    });
    expect(await s.client.deleteWebhook(s.creds, hook.id)).toBe("deleted");
    expect(await s.client.deleteWebhook(s.creds, hook.id)).toBe("already-gone");
  });

  it("a 2xx with succeed:false is an error; the secret never appears in errors or logs", async () => {
    const s = await withProject();
    const { PhotonClient } = await import("../src/index.js");
    const odd = new PhotonClient({
      spectrumHost: s.server.baseUrl,
      fetch: async () =>
        new Response(JSON.stringify({ succeed: false, message: "quota" }), { status: 200 }),
    });
    await expect(odd.listUsers(s.creds)).rejects.toMatchObject({
      code: "PHOTON_SPECTRUM_FAILED",
      status: 200,
    });
    const bad = await s.client
      .listUsers({ ...s.creds, projectSecret: "wrong-secret-value" })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(PhotonApiError);
    expect((bad as Error).message).not.toContain("wrong-secret-value");
    expect(s.logs.join("\n")).not.toContain(s.creds.projectSecret);
  });
});

describe("transport", () => {
  it("a 429 on a POST is retried after Retry-After (not processed, so safe)", async () => {
    const s = await withProject();
    s.server.injectFailure({
      path: "/projects/",
      method: "POST",
      kind: { status: 429, retryAfter: 1 },
    });
    const u = await s.client.createUser(s.creds, { phoneNumber: "+15551234567" });
    expect(u.phoneNumber).toBe("+15551234567");
    expect(s.clock.sleeps).toEqual([1000]);
  });

  it("per-request timeout aborts a hung request with a typed network error", async () => {
    const { PhotonClient } = await import("../src/index.js");
    const hung = new PhotonClient({
      timeoutMs: 20,
      maxRetries: 0,
      fetch: (_u, init) =>
        new Promise((_r, reject) =>
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
        ),
    });
    await expect(hung.listProjects("tok")).rejects.toMatchObject({
      code: "PHOTON_NETWORK",
      message: expect.stringContaining("could not reach Photon at app.photon.codes (timed out)"),
    });
  });

  it("a refused connection names the host and the system error, not TypeError", async () => {
    const { PhotonClient } = await import("../src/index.js");
    const { createServer } = await import("node:net");
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const client = new PhotonClient({ dashboardHost: `http://127.0.0.1:${port}`, maxRetries: 0 });
    const err = (await client.listProjects("tok").then(
      () => new Error("expected a failure"),
      (e: unknown) => e,
    )) as Error;
    expect(err).toMatchObject({ code: "PHOTON_NETWORK" });
    expect(err.message).toContain(`could not reach Photon at 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(err.message).not.toContain("TypeError");
  });

  it("registerWebhook secret verifies a delivery signed by the fake end to end", async () => {
    const s = await withProject();
    const { createServer } = await import("node:http");
    const { createWebhookHandler } = await import("../src/webhook/index.js");
    let resolveEvent: (id: string) => void = () => {};
    const received = new Promise<string>((r) => {
      resolveEvent = r;
    });
    const hookServer = createServer(createWebhookHandler({ secret: undefined, onEvent: () => {} }));
    await new Promise<void>((r) => hookServer.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(hookServer.address() as import("node:net").AddressInfo).port}/photon`;
    const hook = await s.client.registerWebhook(s.creds, url);
    hookServer.removeAllListeners("request");
    hookServer.on(
      "request",
      createWebhookHandler({
        secret: hook.signingSecret,
        onEvent: (d) => resolveEvent(d.event.message.id),
      }),
    );
    const event = {
      event: "messages",
      space: { id: "sp", platform: "imessage" },
      message: {
        id: "m9",
        platform: "imessage",
        direction: "inbound",
        timestamp: "2026-01-01T00:00:00Z",
        sender: { id: "u", platform: "imessage" },
        space: { id: "sp", platform: "imessage" },
        content: { type: "text", text: "yo" },
      },
    };
    expect((await s.server.deliverWebhook(url, event)).status).toBe(200);
    expect(await received).toBe("m9");
    await new Promise((r) => hookServer.close(r));
  });
});

describe("cancellation", () => {
  it("every management call accepts an AbortSignal; abort during a retry wait is typed too", async () => {
    const s = await withProject();
    const aborted = AbortSignal.abort();
    await expect(s.client.listProjects("tok", aborted)).rejects.toMatchObject({
      code: "PHOTON_ABORTED",
    });
    await expect(s.client.listUsers(s.creds, aborted)).rejects.toMatchObject({
      code: "PHOTON_ABORTED",
    });
    await expect(s.client.deleteWebhook(s.creds, "x", aborted)).rejects.toMatchObject({
      code: "PHOTON_ABORTED",
    });
    const { PhotonClient } = await import("../src/index.js");
    const controller = new AbortController();
    const c = new PhotonClient({
      spectrumHost: s.server.baseUrl,
      sleep: async () => {
        controller.abort();
        throw new Error("aborted");
      },
    });
    s.server.injectFailure({ path: "/projects/", kind: { status: 500 } });
    await expect(c.listUsers(s.creds, controller.signal)).rejects.toMatchObject({
      code: "PHOTON_ABORTED",
    });
  });
});
