import { EventEmitter } from "node:events";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { IMESSAGE_SERVICE_PROTO_FILES, imessageProtoRoot } from "../imessage-protos.js";
import { attachmentInfo, type FakeAttachment, protoMessage } from "./inbound-builders.js";

type Payload = Record<string, unknown>;
type Unary = (
  call: grpc.ServerUnaryCall<Payload, Payload>,
  callback: grpc.sendUnaryData<Payload>,
) => void;
type ServerStream = (call: grpc.ServerWritableStream<Payload, Payload>) => void;

/** One event in the service's global, monotonic log (shared by every `Subscribe*` stream and catch-up). */
export interface LoggedEvent {
  sequence: number;
  /** The oneof member the frame carries: `messageChanged`, `pollChanged`, `chatChanged` or `groupChanged`. */
  kind: "messageChanged" | "pollChanged" | "chatChanged" | "groupChanged";
  change: Payload;
}

/** A mutating call the service accepted (the message was sent, the tapback set, …). */
export interface RecordedCall {
  /** The RPC name, e.g. `SendTextMessage`, `SetReaction`, `SetTyping`, `MarkChatRead`. */
  method: string;
  request: Payload;
  /** `x-idempotency-key` as the client sent it. */
  idempotencyKey: string | undefined;
  /** What the client was told: `ok`, or `ambiguous` (accepted, then the answer was lost). */
  outcome: "ok" | "ambiguous";
}

/** A call the service refused before doing anything (rate limit, bad token). */
export interface RejectedCall {
  method: string;
  code: grpc.status;
  request: Payload;
}

type StreamKind = "message" | "poll" | "chat" | "group";
const STREAM_KIND_EVENT: Record<StreamKind, LoggedEvent["kind"]> = {
  message: "messageChanged",
  poll: "pollChanged",
  chat: "chatChanged",
  group: "groupChanged",
};

interface OpenStream {
  kind: StreamKind;
  call: grpc.ServerWritableStream<Payload, Payload>;
}

const SEND_METHODS = new Set(["SendTextMessage", "SendAttachmentMessage", "SendMultipartMessage"]);
const DOWNLOAD_CHUNK_BYTES = 64 * 1024;
const MAX_MESSAGE_BYTES = 100 * 1024 * 1024;

export interface IMessageServiceOptions {
  heartbeatIntervalMs: number;
  isTokenValid: (token: string) => boolean;
  now: () => Date;
  nextGuid: (prefix: string) => string;
}

/**
 * The iMessage gRPC services, built from the `.proto` files `@photon-ai/advanced-imessage` ships,
 * with an in-memory event log, message and attachment store, and switches for the faults a
 * channel has to survive. Emits `call` (RecordedCall), `rejected` (RejectedCall) and `subscribed`.
 */
export class FakeIMessageService extends EventEmitter {
  readonly events: LoggedEvent[] = [];
  readonly calls: RecordedCall[] = [];
  readonly rejected: RejectedCall[] = [];
  /** `after_sequence` of every `CatchUpEvents` request (`null` when absent). */
  readonly catchUpRequests: Array<number | null> = [];
  /** Every `Subscribe*` stream opened, in order: its kind and the client's address (one per connection). */
  readonly subscriptions: Array<{ kind: StreamKind; peer: string }> = [];
  readonly messages = new Map<string, Payload>();
  readonly attachments = new Map<string, FakeAttachment>();
  readonly #openStreams = new Set<OpenStream>();
  // Photon's own client allows 100 MiB messages both ways (an upload is one unary request).
  readonly #server = new grpc.Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  });
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #heartbeatsOn = true;
  #liveDeliveryOn = true;
  #rateLimitedCalls = 0;
  #rateLimitRetryable = false;
  #ambiguousSends = 0;
  #refusedSubscriptions = 0;
  /** `Subscribe*` calls refused with UNAVAILABLE so far. */
  refusals = 0;
  /** `Subscribe*` and `CatchUpEvents` calls received, admitted or not (a client trying to connect). */
  streamAttempts = 0;
  #oldestRetainedSequence = 1;
  #port = 0;
  /** Heartbeat periods elapsed (counted whether or not heartbeats are on). */
  ticks = 0;

  readonly #options: IMessageServiceOptions;

  constructor(options: IMessageServiceOptions) {
    super();
    this.#options = options;
    const definition = protoLoader.loadSync(IMESSAGE_SERVICE_PROTO_FILES, {
      includeDirs: [imessageProtoRoot()],
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const v1 = (
      grpc.loadPackageDefinition(definition) as unknown as {
        photon: { imessage: { v1: Record<string, grpc.ServiceClientConstructor> } };
      }
    ).photon.imessage.v1;
    const service = (name: string): grpc.ServiceDefinition => {
      const ctor = v1[name];
      if (!ctor) throw new Error(`iMessage proto files define no ${name}`);
      return ctor.service;
    };
    // Methods not listed answer UNIMPLEMENTED (grpc-js does that for a partial implementation).
    this.#server.addService(service("MessageService"), {
      SendTextMessage: this.#send("SendTextMessage", (req) => ({
        text: String(req["text"] ?? ""),
      })),
      SendAttachmentMessage: this.#send("SendAttachmentMessage", (req) => ({
        attachments: this.#attachmentsFor(req),
      })),
      SendMultipartMessage: this.#send("SendMultipartMessage", (req) => ({
        text: ((req["parts"] as Payload[] | undefined) ?? [])
          .map((part) => part["text"] ?? "")
          .join(""),
      })),
      SetReaction: this.#mutating("SetReaction", (req) => {
        const target = (req["target"] ?? {}) as Payload;
        const guid = this.#options.nextGuid("out");
        const message = {
          ...protoMessage({
            guid,
            chatGuid: String(target["chatGuid"] ?? ""),
            isFromMe: true,
            at: this.#options.now(),
          }),
          reactionTargetGuid: String(target["messageGuid"] ?? ""),
          reaction: req["reaction"],
          reactionSelected: req["isSet"] === true,
        };
        this.messages.set(guid, message);
        return { message };
      }),
      GetMessage: this.#unary((req) => {
        const message = this.messages.get(String(req["messageGuid"] ?? ""));
        if (!message)
          throw statusError(grpc.status.NOT_FOUND, "message not found", "messageNotFound");
        return { message };
      }),
      SubscribeMessageEvents: this.#subscribe("message"),
    });
    this.#server.addService(service("PollService"), {
      SubscribePollEvents: this.#subscribe("poll"),
    });
    this.#server.addService(service("ChatService"), {
      SubscribeChatEvents: this.#subscribe("chat"),
      SetTyping: this.#mutating("SetTyping", () => ({})),
      MarkChatRead: this.#mutating("MarkChatRead", () => ({})),
    });
    this.#server.addService(service("GroupService"), {
      SubscribeGroupEvents: this.#subscribe("group"),
    });
    this.#server.addService(service("EventService"), { CatchUpEvents: this.#catchUp() });
    this.#server.addService(service("AttachmentService"), {
      GetAttachmentInfo: this.#unary((req) => ({ attachment: this.#attachment(req).info })),
      DownloadAttachment: this.#download(),
      UploadAttachment: this.#mutating("UploadAttachment", (req) => {
        const data = Buffer.from((req["data"] as Uint8Array | undefined) ?? new Uint8Array());
        const guid = this.#options.nextGuid("att");
        const info = attachmentInfo(
          guid,
          String(req["fileName"] ?? "file"),
          "application/octet-stream",
          data.byteLength,
          true,
        );
        this.attachments.set(guid, { info, data });
        return { attachment: info };
      }),
    });
    this.#server.addService(service("AddressService"), {});
    this.#server.addService(service("LocationService"), {});
  }

  async listen(cert: string, key: string): Promise<void> {
    const credentials = grpc.ServerCredentials.createSsl(
      null,
      [{ cert_chain: Buffer.from(cert), private_key: Buffer.from(key) }],
      false,
    );
    this.#port = await new Promise<number>((resolve, reject) => {
      this.#server.bindAsync("127.0.0.1:0", credentials, (error, port) =>
        error ? reject(error) : resolve(port),
      );
    });
    this.#heartbeatTimer = setInterval(() => this.#beat(), this.#options.heartbeatIntervalMs);
  }

  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  get openStreamCount(): number {
    return this.#openStreams.size;
  }

  /** Appends an event to the log and streams it to every open subscriber of its kind. */
  append(kind: LoggedEvent["kind"], change: Payload): LoggedEvent {
    const event: LoggedEvent = { sequence: this.headSequence + 1, kind, change };
    this.events.push(event);
    if (this.#liveDeliveryOn) {
      for (const stream of this.#openStreams) {
        if (STREAM_KIND_EVENT[stream.kind] === kind) stream.call.write(frame(event));
      }
    }
    return event;
  }

  get headSequence(): number {
    return this.events.at(-1)?.sequence ?? this.#oldestRetainedSequence - 1;
  }

  setHeartbeats(on: boolean): void {
    this.#heartbeatsOn = on;
  }

  /** Off: streams stay open but nothing new is written to them (events still reach the log). */
  setLiveDelivery(on: boolean): void {
    this.#liveDeliveryOn = on;
  }

  /** Ends every open `Subscribe*` stream with `code` (UNAVAILABLE by default, as a lost connection does). */
  dropStreams(code: grpc.status = grpc.status.UNAVAILABLE): number {
    const streams = [...this.#openStreams];
    this.#openStreams.clear();
    for (const stream of streams)
      stream.call.emit("error", statusError(code, "stream dropped by the Spectrum fake"));
    return streams.length;
  }

  rateLimit(count: number, retryable: boolean): void {
    this.#rateLimitedCalls += count;
    this.#rateLimitRetryable = retryable;
  }

  /** The next `count` `Subscribe*` calls are refused with UNAVAILABLE (a server that is down). */
  refuseSubscriptions(count: number): void {
    this.#refusedSubscriptions += count;
  }

  failSendsAmbiguously(count: number): void {
    this.#ambiguousSends += count;
  }

  /** Forgets events up to and including `sequence`: catch-up from before it is refused. */
  forgetThrough(sequence: number): void {
    this.#oldestRetainedSequence = Math.max(this.#oldestRetainedSequence, sequence + 1);
    while (this.events.length > 0 && (this.events[0]?.sequence ?? Infinity) <= sequence)
      this.events.shift();
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeatTimer);
    this.dropStreams(grpc.status.CANCELLED);
    await new Promise<void>((resolve) => this.#server.tryShutdown(() => resolve()));
    this.#server.forceShutdown();
  }

  #beat(): void {
    if (this.#heartbeatsOn && this.#liveDeliveryOn) {
      for (const stream of this.#openStreams) stream.call.write({ heartbeat: {} });
    }
    this.ticks += 1;
    this.emit("tick");
  }

  #authorize(metadata: grpc.Metadata): void {
    const header = metadata.get("authorization")[0];
    const token =
      typeof header === "string" && header.startsWith("Bearer ")
        ? header.slice("Bearer ".length)
        : "";
    if (!token || !this.#options.isTokenValid(token)) {
      throw statusError(
        grpc.status.UNAUTHENTICATED,
        "missing or invalid bearer token",
        "unauthenticated",
      );
    }
  }

  /** Authorizes a streaming call; when refused, ends it with UNAUTHENTICATED and returns false. */
  #admit(call: grpc.ServerWritableStream<Payload, Payload>): boolean {
    try {
      this.#authorize(call.metadata);
      return true;
    } catch (error) {
      call.emit("error", error as grpc.ServiceError);
      return false;
    }
  }

  #unary(handler: (request: Payload) => Payload): Unary {
    return (call, callback) => {
      try {
        this.#authorize(call.metadata);
        callback(null, handler(call.request));
      } catch (error) {
        callback(error as grpc.ServiceError);
      }
    };
  }

  #mutating(method: string, handler: (request: Payload) => Payload): Unary {
    return (call, callback) => {
      try {
        this.#authorize(call.metadata);
      } catch (error) {
        this.#reject(method, grpc.status.UNAUTHENTICATED, call.request);
        callback(error as grpc.ServiceError);
        return;
      }
      if (this.#rateLimitedCalls > 0) {
        this.#rateLimitedCalls -= 1;
        this.#reject(method, grpc.status.RESOURCE_EXHAUSTED, call.request);
        const error = statusError(
          grpc.status.RESOURCE_EXHAUSTED,
          "rate limit exceeded: 5 requests per second per project",
          "rateLimited",
        );
        if (this.#rateLimitRetryable) error.metadata.set("x-retryable", "true");
        callback(error);
        return;
      }
      let response: Payload;
      try {
        response = handler(call.request);
      } catch (error) {
        callback(error as grpc.ServiceError);
        return;
      }
      const ambiguous = SEND_METHODS.has(method) && this.#ambiguousSends > 0;
      if (ambiguous) this.#ambiguousSends -= 1;
      const key = call.metadata.get("x-idempotency-key")[0];
      const recorded: RecordedCall = {
        method,
        request: call.request,
        idempotencyKey: typeof key === "string" ? key : undefined,
        outcome: ambiguous ? "ambiguous" : "ok",
      };
      this.calls.push(recorded);
      this.emit("call", recorded);
      // Ambiguous: the message went out, but the client only learns that the connection failed.
      callback(
        ambiguous
          ? statusError(
              grpc.status.UNAVAILABLE,
              "connection reset after the request was accepted",
              "unavailable",
            )
          : null,
        ambiguous ? undefined : response,
      );
    };
  }

  #send(
    method: string,
    content: (request: Payload) => { text?: string; attachments?: Payload[] },
  ): Unary {
    return this.#mutating(method, (request) => {
      const guid = this.#options.nextGuid("out");
      const { text, attachments } = content(request);
      const message = protoMessage({
        guid,
        chatGuid: String(request["chatGuid"] ?? ""),
        isFromMe: true,
        at: this.#options.now(),
        ...(text === undefined ? {} : { text }),
        ...(attachments === undefined ? {} : { attachments }),
        isAudioMessage: request["isAudioMessage"] === true,
      });
      this.messages.set(guid, message);
      return { message };
    });
  }

  #attachmentsFor(request: Payload): Payload[] {
    const ref = (request["attachment"] ?? {}) as Payload;
    const stored = this.attachments.get(String(ref["attachmentGuid"] ?? ""));
    if (!stored)
      throw statusError(
        grpc.status.NOT_FOUND,
        "attachment not found; upload it first",
        "attachmentNotFound",
      );
    return [stored.info];
  }

  #attachment(request: Payload): FakeAttachment {
    const stored = this.attachments.get(String(request["attachmentGuid"] ?? ""));
    if (!stored)
      throw statusError(grpc.status.NOT_FOUND, "attachment not found", "attachmentNotFound");
    return stored;
  }

  #reject(method: string, code: grpc.status, request: Payload): void {
    const rejected: RejectedCall = { method, code, request };
    this.rejected.push(rejected);
    this.emit("rejected", rejected);
  }

  #subscribe(kind: StreamKind): ServerStream {
    return (call) => {
      this.streamAttempts += 1;
      if (!this.#admit(call)) return;
      if (this.#refusedSubscriptions > 0) {
        this.#refusedSubscriptions -= 1;
        this.refusals += 1;
        call.emit(
          "error",
          statusError(
            grpc.status.UNAVAILABLE,
            "the Spectrum fake refuses subscriptions",
            "unavailable",
          ),
        );
        this.emit("refused", kind);
        return;
      }
      const stream: OpenStream = { kind, call };
      this.subscriptions.push({ kind, peer: call.getPeer() });
      this.#openStreams.add(stream);
      const forget = (): void => {
        this.#openStreams.delete(stream);
      };
      call.on("cancelled", forget);
      call.on("close", forget);
      call.on("error", forget);
      this.emit("subscribed", kind);
    };
  }

  #catchUp(): ServerStream {
    return (call) => {
      this.streamAttempts += 1;
      if (!this.#admit(call)) return;
      const after =
        typeof call.request["afterSequence"] === "number" ? call.request["afterSequence"] : null;
      this.catchUpRequests.push(after);
      this.emit("catch-up", after);
      if (after !== null && after + 1 < this.#oldestRetainedSequence) {
        // The SDK reads INVALID_ARGUMENT/FAILED_PRECONDITION as "cursor rejected": a gap it cannot fill.
        call.emit(
          "error",
          statusError(
            grpc.status.FAILED_PRECONDITION,
            `events after ${after} are no longer retained`,
            "cursorExpired",
          ),
        );
        return;
      }
      for (const event of this.events) {
        if (after === null || event.sequence > after) call.write(frame(event));
      }
      call.write({ complete: { headSequence: this.headSequence } });
      call.end();
    };
  }

  #download(): ServerStream {
    return (call) => {
      if (!this.#admit(call)) return;
      let stored: FakeAttachment;
      try {
        stored = this.#attachment(call.request);
      } catch (error) {
        call.emit("error", error as grpc.ServiceError);
        return;
      }
      call.write({ header: { attachment: stored.info } });
      for (let offset = 0; offset < stored.data.byteLength; offset += DOWNLOAD_CHUNK_BYTES) {
        call.write({ primaryChunk: stored.data.subarray(offset, offset + DOWNLOAD_CHUNK_BYTES) });
      }
      call.end();
    };
  }
}

function frame(event: LoggedEvent): Payload {
  return { sequence: event.sequence, [event.kind]: event.change };
}

/** A gRPC status error with the `error-code` trailer the real service sets. */
function statusError(
  code: grpc.status,
  details: string,
  errorCode?: string,
): grpc.ServiceError & { metadata: grpc.Metadata } {
  const metadata = new grpc.Metadata();
  if (errorCode) metadata.set("error-code", errorCode);
  return Object.assign(new Error(details), { code, details, metadata });
}
