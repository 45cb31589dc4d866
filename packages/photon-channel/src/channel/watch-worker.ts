// The watch's gRPC client on a worker thread. Every inbound message reaches this process twice:
// on the SDK's stream and on the watch's. Decoding the watch's copy (TLS, HTTP/2, protobuf, the
// client's stream layers) on the main thread came first and held the SDK's copy back by 0.15–0.6 ms
// per message (BENCH.md). On a worker it costs the main thread one small structured-clone message.
// The worker runs the same `@photon-ai/advanced-imessage` client the watch used in-process; only
// the fields the watch reads cross the thread boundary. The token stays with the main thread's
// `ProjectLines` (the worker asks for it per call).
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { RawEvent, RawEventStream, RawImessageClient } from "./event-watch.js";

export interface WatchWorkerClientOptions {
  address: string;
  /** The line's current token; asked for by the worker before each call. */
  token: () => Promise<string>;
  onHeartbeat: () => void;
  /** Tests: each worker thread as it starts. */
  onWorkerStarted?: (worker: Worker) => void;
}

/** How long a closing worker may take to close its client before it is terminated. */
const CLOSE_GRACE_MS = 5000;

/** Events a stream may hold before the watch takes them: far past any real backlog. */
const MAX_QUEUED_EVENTS = 10_000;

// Plain JavaScript run with `eval` (a separate file would have to be found next to whichever
// bundle loaded this module). `workerData.grpcModule` is the resolved URL of the client module.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const streams = new Map();
const closedIds = new Set();
const tokenWaiters = new Map();
let nextTokenRequest = 0;
const token = () => new Promise((resolve, reject) => {
  const id = ++nextTokenRequest;
  tokenWaiters.set(id, { resolve, reject });
  parentPort.postMessage({ op: "token", id });
});
const clientReady = import(workerData.grpcModule).then(({ createGrpcClient }) =>
  createGrpcClient({
    address: workerData.address,
    token,
    tls: true,
    retry: false,
    onHeartbeat: () => parentPort.postMessage({ op: "heartbeat" }),
  }),
);
clientReady.catch(() => undefined);
const slim = (e) => {
  const m = e && e.message;
  return {
    type: String(e && e.type),
    sequence: e && e.sequence,
    chatGuid: e && e.chatGuid,
    headSequence: e && e.headSequence,
    message: m && typeof m === "object"
      ? { guid: m.guid, isFromMe: m.isFromMe, chatGuids: Array.isArray(m.chatGuids) ? m.chatGuids.filter((g) => typeof g === "string") : undefined }
      : undefined,
  };
};
async function pump(id, open) {
  try {
    const client = await clientReady;
    if (closedIds.delete(id)) return;
    const stream = open(client);
    streams.set(id, stream);
    for await (const event of stream) parentPort.postMessage({ op: "event", id, event: slim(event) });
    parentPort.postMessage({ op: "end", id });
  } catch (error) {
    parentPort.postMessage({ op: "end", id, error: { name: String((error && error.name) || "Error") } });
  } finally {
    streams.delete(id);
  }
}
parentPort.on("message", (m) => {
  if (m.op === "subscribe") void pump(m.id, (c) => c.messages.subscribeEvents());
  else if (m.op === "catchUp") void pump(m.id, (c) => c.events.catchUp(m.since));
  else if (m.op === "closeStream") {
    const stream = streams.get(m.id);
    if (stream) Promise.resolve(stream.close()).catch(() => undefined);
    else closedIds.add(m.id);
  } else if (m.op === "token") {
    const waiter = tokenWaiters.get(m.id);
    tokenWaiters.delete(m.id);
    if (waiter) m.ok ? waiter.resolve(m.token) : waiter.reject(new Error("no token for the watch"));
  } else if (m.op === "close") {
    clientReady
      .then((c) => c.close())
      .catch(() => undefined)
      .finally(() => process.exit(0));
  }
});
`;

/** A client failure as the watch sees it: only the error class name crosses the thread. */
class WatchWorkerError extends Error {
  constructor(name: string) {
    super(`the watch's gRPC client failed (${name})`);
    this.name = name;
  }
}

/** The client module the worker loads (the one loadSpectrumSdk loads on the main thread). */
function grpcModuleUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve("@photon-ai/advanced-imessage/grpc"))
    .href;
}

/** One stream's events as they arrive from the worker, consumed by the watch's `for await`. */
class WorkerEventStream implements RawEventStream<RawEvent> {
  readonly #queue: RawEvent[] = [];
  #waiter: { resolve: (r: IteratorResult<RawEvent>) => void; reject: (e: unknown) => void } | null =
    null;
  #ended = false;
  #error: Error | null = null;
  readonly #onClose: () => void;

  constructor(onClose: () => void) {
    this.#onClose = onClose;
  }

  push(event: RawEvent): void {
    if (this.#ended) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = null;
      waiter.resolve({ value: event, done: false });
    } else if (this.#queue.length >= MAX_QUEUED_EVENTS) {
      this.end(new WatchWorkerError("QueueFullError"));
      this.#onClose();
    } else this.#queue.push(event);
  }

  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error ?? null;
    const waiter = this.#waiter;
    this.#waiter = null;
    if (!waiter) return;
    if (this.#error && this.#queue.length === 0) waiter.reject(this.#error);
    else waiter.resolve({ value: undefined, done: true });
  }

  close(): void {
    if (!this.#ended) this.#onClose();
    this.#queue.length = 0;
    this.#error = null;
    this.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<RawEvent> {
    return {
      next: () => {
        const event = this.#queue.shift();
        if (event !== undefined) return Promise.resolve({ value: event, done: false });
        if (this.#ended) {
          const error = this.#error;
          this.#error = null;
          return error ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => {
          this.#waiter = { resolve, reject };
        });
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

type FromWorker =
  | { op: "event"; id: number; event: RawEvent }
  | { op: "end"; id: number; error?: { name: string } }
  | { op: "heartbeat" }
  | { op: "token"; id: number };

/** One worker thread and the streams it serves. */
interface WorkerThread {
  readonly worker: Worker;
  readonly streams: Map<number, WorkerEventStream>;
  exited: boolean;
  readonly exit: Promise<void>;
}

/**
 * A `RawImessageClient` whose gRPC client runs on its own worker thread. `close()` closes the
 * client there and ends the worker. A worker that dies (a crash, out of memory) ends its open
 * streams with an error, and the next stream the watch opens starts a new worker: the watch
 * reconnects as after any failure.
 */
export function createWatchWorkerClient(options: WatchWorkerClientOptions): RawImessageClient {
  let nextId = 0;
  let closed = false;
  let current: WorkerThread | null = null;

  const startWorker = (): WorkerThread => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { grpcModule: grpcModuleUrl(), address: options.address },
    });
    const thread: WorkerThread = {
      worker,
      streams: new Map(),
      exited: false,
      exit: new Promise<void>((resolve) => worker.once("exit", () => resolve())),
    };
    const failAll = (name: string): void => {
      for (const stream of thread.streams.values()) stream.end(new WatchWorkerError(name));
      thread.streams.clear();
    };
    worker.on("message", (m: FromWorker) => {
      if (m.op === "event") thread.streams.get(m.id)?.push(m.event);
      else if (m.op === "end") {
        thread.streams.get(m.id)?.end(m.error ? new WatchWorkerError(m.error.name) : undefined);
        thread.streams.delete(m.id);
      } else if (m.op === "heartbeat") options.onHeartbeat();
      else if (m.op === "token")
        options.token().then(
          (token) => worker.postMessage({ op: "token", id: m.id, ok: true, token }),
          () => worker.postMessage({ op: "token", id: m.id, ok: false }),
        );
    });
    // Never an uncaught exception in the host: the streams end and the watch reconnects.
    worker.on("error", (error: unknown) =>
      failAll(error instanceof Error ? error.name : "WorkerError"),
    );
    worker.once("exit", () => {
      thread.exited = true;
      failAll("ConnectionError");
    });
    options.onWorkerStarted?.(worker);
    return thread;
  };

  const open = (request: { op: "subscribe" } | { op: "catchUp"; since: number | undefined }) => {
    const id = ++nextId;
    if (!closed && (current === null || current.exited)) current = startWorker();
    const thread = current;
    const stream = new WorkerEventStream(() => {
      thread?.streams.delete(id);
      if (thread && !thread.exited) thread.worker.postMessage({ op: "closeStream", id });
    });
    if (closed || thread === null || thread.exited)
      stream.end(new WatchWorkerError("ConnectionError"));
    else {
      thread.streams.set(id, stream);
      thread.worker.postMessage({ ...request, id });
    }
    return stream;
  };

  current = startWorker();
  return {
    messages: { subscribeEvents: () => open({ op: "subscribe" }) },
    events: { catchUp: (since?: number) => open({ op: "catchUp", since }) },
    close: async () => {
      closed = true;
      const thread = current;
      if (thread === null) return;
      if (!thread.exited) thread.worker.postMessage({ op: "close" });
      // The client closes its connection, then the worker ends; one that does not is ended.
      const timer = setTimeout(() => void thread.worker.terminate(), CLOSE_GRACE_MS);
      await thread.exit;
      clearTimeout(timer);
    },
  };
}
