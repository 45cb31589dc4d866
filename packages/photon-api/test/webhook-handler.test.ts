import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FakePhotonServer } from "../src/testing/index.js";
import {
  computeWebhookSignature,
  createWebhookHandler,
  type CreateWebhookHandlerOptions,
  type WebhookDelivery,
} from "../src/webhook/index.js";

const secret = "a".repeat(64);
const event = (id: string, direction = "inbound") => ({
  event: "messages",
  space: { id: "sp1", platform: "imessage" },
  message: {
    id,
    platform: "imessage",
    direction,
    timestamp: "2026-01-01T00:00:00Z",
    sender: { id: "u1", platform: "imessage" },
    space: { id: "sp1", platform: "imessage" },
    content: { type: "text", text: "hi" },
  },
});

let receiver: Server | undefined;
const fake = new FakePhotonServer();
afterEach(async () => {
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  receiver = undefined;
});

async function listen(options: Partial<CreateWebhookHandlerOptions>) {
  const got: WebhookDelivery[] = [];
  let notify: () => void = () => {};
  const handler = createWebhookHandler({
    secret,
    onEvent: (d) => {
      got.push(d);
      notify();
    },
    ...options,
  });
  receiver = createServer(handler);
  await new Promise<void>((r) => receiver!.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const next = () =>
    new Promise<void>((r) => {
      notify = r;
    });
  return { got, url, next };
}

describe("createWebhookHandler", () => {
  it("200 then onEvent; a duplicate message id is processed once; outbound echoes ignored", async () => {
    const { got, url, next } = await listen({});
    const first = next();
    expect((await fake.deliverWebhook(url, event("m1"), { secret, webhookId: "w1" })).status).toBe(
      200,
    );
    await first;
    expect((await fake.deliverWebhook(url, event("m1"), { secret, webhookId: "w1" })).status).toBe(
      200,
    );
    expect(
      (await fake.deliverWebhook(url, event("m2", "outbound"), { secret, webhookId: "w1" })).status,
    ).toBe(200);
    const third = next();
    expect((await fake.deliverWebhook(url, event("m3"), { secret, webhookId: "w1" })).status).toBe(
      200,
    );
    await third;
    expect(got.map((d) => d.event.message.id)).toEqual(["m1", "m3"]);
    expect(got[0]?.webhookId).toBe("w1");
  });

  it("one signed delivery replayed under 4 different (unsigned) webhook ids is handled once", async () => {
    const { got, url, next } = await listen({});
    const ts = String(Math.floor(Date.now() / 1000));
    const raw = JSON.stringify(event("m-replayed"));
    const signature = computeWebhookSignature(secret, ts, raw);
    const first = next();
    for (const webhookId of ["w1", "w2", "w3", "w4"]) {
      const res = await fetch(url, {
        method: "POST",
        body: raw,
        headers: {
          "content-type": "application/json",
          "x-spectrum-event": "messages",
          "x-spectrum-webhook-id": webhookId,
          "x-spectrum-timestamp": ts,
          "x-spectrum-signature": signature,
        },
      });
      expect(res.status).toBe(200);
    }
    await first;
    // A later, different message goes through the same handler: everything before it was
    // already dispatched (onEvent runs in order), so `got` is final for the replays.
    const marker = next();
    await fake.deliverWebhook(url, event("m-after"), { secret, webhookId: "w5" });
    await marker;
    expect(got.map((d) => d.event.message.id)).toEqual(["m-replayed", "m-after"]);
  });

  it("Photon's retry of a message, re-signed with a later timestamp, is handled once", async () => {
    const { got, url, next } = await listen({});
    const t = Math.floor(Date.now() / 1000);
    const first = next();
    await fake.deliverWebhook(url, event("m1"), { secret, webhookId: "w1", timestamp: t - 200 });
    await first;
    expect(
      (await fake.deliverWebhook(url, event("m1"), { secret, webhookId: "w1", timestamp: t }))
        .status,
    ).toBe(200);
    const marker = next();
    await fake.deliverWebhook(url, event("m2"), { secret, webhookId: "w1", timestamp: t });
    await marker;
    expect(got.map((d) => d.event.message.id)).toEqual(["m1", "m2"]);
  });

  it("401 on mismatch or expired, 400 on missing headers or malformed payload", async () => {
    const { url, got } = await listen({});
    expect((await fake.deliverWebhook(url, event("m1"), { secret: "b".repeat(64) })).status).toBe(
      401,
    );
    expect(
      (
        await fake.deliverWebhook(url, event("m1"), {
          secret,
          timestamp: Math.floor(Date.now() / 1000) - 301,
        })
      ).status,
    ).toBe(401);
    expect((await fetch(url, { method: "POST", body: "{}" })).status).toBe(400);
    expect((await fake.deliverWebhook(url, { nope: true }, { secret })).status).toBe(400);
    expect(got).toEqual([]);
  });

  it("500 when no secret is configured (fail closed), 413 over the size cap", async () => {
    const a = await listen({ secret: undefined });
    expect((await fake.deliverWebhook(a.url, event("m1"), { secret })).status).toBe(500);
    await new Promise((r) => receiver!.close(r));
    const b = await listen({ maxBodyBytes: 64 });
    expect((await fake.deliverWebhook(b.url, event("m1"), { secret })).status).toBe(413);
    expect(b.got).toEqual([]);
  });

  it("de-duplication memory is bounded and expires", async () => {
    let t = Date.now();
    const { url, got, next } = await listen({
      now: () => t,
      maxDedupeEntries: 2,
      dedupeTtlMs: 1000,
    });
    for (const id of ["m1", "m2", "m3"]) {
      const p = next();
      await fake.deliverWebhook(url, event(id), {
        secret,
        webhookId: "w",
        timestamp: Math.floor(t / 1000),
      });
      await p;
    }
    const again = next();
    await fake.deliverWebhook(url, event("m1"), {
      secret,
      webhookId: "w",
      timestamp: Math.floor(t / 1000),
    }); // evicted by the cap
    await again;
    t += 2000;
    const later = next();
    await fake.deliverWebhook(url, event("m3"), {
      secret,
      webhookId: "w",
      timestamp: Math.floor(t / 1000),
    }); // expired
    await later;
    expect(got.map((d) => d.event.message.id)).toEqual(["m1", "m2", "m3", "m1", "m3"]);
  });
});
