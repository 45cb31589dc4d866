// The watch's gRPC client on its worker thread, against the fake over TLS: the real
// `@photon-ai/advanced-imessage` client runs in the worker (which reads the CA file from the
// environment it is given when it starts, as grpc-js does in the SDK's process), and what the
// watch reads comes back across the thread. The channel's own behaviour on top of it (frozen and
// dropped streams, kill -9, gaps) is tested in channel-resume.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RawEvent, RawImessageClient } from "../src/channel/event-watch.js";
import { createWatchWorkerClient } from "../src/channel/watch-worker.js";
import { SpectrumFake } from "../src/testing/index.js";
import { issueToken } from "./raw-imessage-client.js";

let fake: SpectrumFake;
let dir: string;
let token: string;
let client: RawImessageClient | null = null;
const savedRoots = process.env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"];

beforeEach(async () => {
  fake = await SpectrumFake.start({ heartbeatIntervalMs: 50 });
  dir = mkdtempSync(join(tmpdir(), "watch-worker-"));
  // The worker starts with a copy of this environment: its grpc-js trusts the test CA.
  process.env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = await fake.writeCaFile(dir);
  const issued = await issueToken(
    fake.cloudUrl,
    fake.projectId,
    fake.projectSecret,
    fake.caCertPem,
  );
  token = String((issued.body["data"] as Record<string, unknown>)["token"]);
});

afterEach(async () => {
  await client?.close();
  client = null;
  if (savedRoots === undefined) delete process.env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"];
  else process.env["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = savedRoots;
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Reads events until `until` says stop (the stream's own iterator, as the watch reads it). */
async function readUntil(
  stream: AsyncIterable<RawEvent>,
  until: (event: RawEvent) => boolean,
): Promise<RawEvent[]> {
  const seen: RawEvent[] = [];
  for await (const event of stream) {
    seen.push(event);
    if (until(event)) break;
  }
  return seen;
}

describe("the watch's client on a worker thread", () => {
  it("streams message events with their sequence and ids, reports heartbeats, catches up, and ends its thread on close", async () => {
    let tokenRequests = 0;
    let heartbeats = 0;
    let sawHeartbeat: () => void = () => undefined;
    const heartbeat = new Promise<void>((resolve) => (sawHeartbeat = resolve));
    client = createWatchWorkerClient({
      address: fake.imessageAddress,
      token: async () => {
        tokenRequests += 1;
        return token;
      },
      onHeartbeat: () => {
        heartbeats += 1;
        sawHeartbeat();
      },
    });
    const live = client.messages.subscribeEvents();
    await fake.waitForStreams(1, 30_000);
    await heartbeat;
    const first = fake.push({ type: "text", from: "+15550001111", text: "hello" });
    const [event] = await readUntil(live, () => true);
    expect(event).toEqual({
      type: "message.received",
      sequence: first.sequence,
      chatGuid: first.chatGuid,
      headSequence: undefined,
      message: expect.objectContaining({ guid: first.messageGuid, isFromMe: false }),
    });
    expect(heartbeats).toBeGreaterThan(0);
    expect(tokenRequests).toBeGreaterThan(0);

    const second = fake.push({ type: "text", from: "+15550001111", text: "again" });
    const replay = await readUntil(
      client.events.catchUp(first.sequence),
      (e) => e.type === "catchup.complete",
    );
    expect(replay.map((e) => e.sequence ?? e.headSequence)).toEqual([
      second.sequence,
      second.sequence,
    ]);
    expect(replay[0]?.message?.guid).toBe(second.messageGuid);

    // Resolves only once the worker thread has exited.
    await client.close();
    client = null;
  });

  it("a token the host cannot give ends the stream with an error, never with the token", async () => {
    client = createWatchWorkerClient({
      address: fake.imessageAddress,
      token: () => Promise.reject(new Error(`control plane down (${token})`)),
      onHeartbeat: () => undefined,
    });
    const error = await readUntil(client.messages.subscribeEvents(), () => true).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).not.toContain(token);
  });

  it("a stream closed by the watch ends at once, and the client goes on serving calls", async () => {
    client = createWatchWorkerClient({
      address: fake.imessageAddress,
      token: async () => token,
      onHeartbeat: () => undefined,
    });
    const first = client.messages.subscribeEvents();
    await fake.waitForStreams(1, 30_000);
    await first.close();
    expect(await readUntil(first, () => true)).toEqual([]);
    const pushed = fake.push({ type: "text", from: "+15550001111", text: "still here" });
    const replay = await readUntil(
      client.events.catchUp(pushed.sequence - 1),
      (e) => e.type === "catchup.complete",
    );
    expect(replay[0]?.message?.guid).toBe(pushed.messageGuid);
  });
  it("a worker that dies ends its streams with an error, and the next stream starts a new worker", async () => {
    const workers: Worker[] = [];
    let onBeat: () => void = () => undefined;
    client = createWatchWorkerClient({
      address: fake.imessageAddress,
      token: async () => token,
      onHeartbeat: () => onBeat(),
      onWorkerStarted: (worker) => workers.push(worker),
    });
    const first = client.messages.subscribeEvents();
    await fake.waitForStreams(1, 30_000);
    await workers[0]?.terminate();
    const error = await readUntil(first, () => true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    // Heartbeats now come only from the new worker's stream: it is open at the fake.
    const beat = new Promise<void>((resolve) => (onBeat = resolve));
    const second = client.messages.subscribeEvents();
    expect(workers).toHaveLength(2);
    await beat;
    const pushed = fake.push({ type: "text", from: "+15550001111", text: "after the crash" });
    const [event] = await readUntil(second, () => true);
    expect(event?.message?.guid).toBe(pushed.messageGuid);
  });
});
