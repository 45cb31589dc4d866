// A plain grpc-js client for the iMessage services, built from the same shipped .proto files,
// trusting the test CA explicitly. It is the layer beneath the SDK: what tests use to check the
// fake speaks the protocol, independent of spectrum-ts.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { IMESSAGE_SERVICE_PROTO_FILES, imessageProtoRoot } from "../src/imessage-protos.js";

type Payload = Record<string, unknown>;
type Ctor = grpc.ServiceClientConstructor;

const definition = protoLoader.loadSync(IMESSAGE_SERVICE_PROTO_FILES, {
  includeDirs: [imessageProtoRoot()],
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
});
const v1 = (
  grpc.loadPackageDefinition(definition) as unknown as {
    photon: { imessage: { v1: Record<string, Ctor> } };
  }
).photon.imessage.v1;

export interface RawClients {
  messages: grpc.Client;
  events: grpc.Client;
  chats: grpc.Client;
  attachments: grpc.Client;
  close(): void;
}

export function rawClients(address: string, caPem: string): RawClients {
  const credentials = grpc.credentials.createSsl(Buffer.from(caPem));
  const make = (name: string): grpc.Client => new (v1[name] as Ctor)(address, credentials);
  const messages = make("MessageService");
  const events = make("EventService");
  const chats = make("ChatService");
  const attachments = make("AttachmentService");
  return {
    messages,
    events,
    chats,
    attachments,
    close: () => {
      for (const client of [messages, events, chats, attachments]) client.close();
    },
  };
}

export function bearer(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

type UnaryMethod = (
  request: Payload,
  metadata: grpc.Metadata,
  callback: (error: grpc.ServiceError | null, response?: Payload) => void,
) => void;
type StreamMethod = (
  request: Payload,
  metadata: grpc.Metadata,
) => grpc.ClientReadableStream<Payload>;

export function unary(
  client: grpc.Client,
  method: string,
  request: Payload,
  metadata: grpc.Metadata,
): Promise<Payload> {
  const call = (client as unknown as Record<string, UnaryMethod>)[method];
  if (!call) throw new Error(`no method ${method}`);
  return new Promise((resolve, reject) => {
    call.call(client, request, metadata, (error, response) =>
      error ? reject(error) : resolve(response ?? {}),
    );
  });
}

export function serverStream(
  client: grpc.Client,
  method: string,
  request: Payload,
  metadata: grpc.Metadata,
): grpc.ClientReadableStream<Payload> {
  const call = (client as unknown as Record<string, StreamMethod>)[method];
  if (!call) throw new Error(`no method ${method}`);
  return call.call(client, request, metadata);
}

/** Reads frames until `count` were collected, the stream ends, or it fails; returns what it saw. */
export function readFrames(
  stream: grpc.ClientReadableStream<Payload>,
  count = Infinity,
): Promise<{ frames: Payload[]; error?: grpc.ServiceError; ended: boolean }> {
  const frames: Payload[] = [];
  return new Promise((resolve) => {
    const finish = (result: { error?: grpc.ServiceError; ended: boolean }): void => {
      stream.removeAllListeners("data");
      resolve({ frames, ...result });
    };
    stream.on("data", (frame: Payload) => {
      frames.push(frame);
      if (frames.length >= count) finish({ ended: false });
    });
    stream.on("error", (error: grpc.ServiceError) => finish({ error, ended: false }));
    stream.on("end", () => finish({ ended: true }));
  });
}

/** A token from the fake's control plane, fetched the way the SDK does (Basic auth, HTTPS, test CA). */
export async function issueToken(
  cloudUrl: string,
  projectId: string,
  projectSecret: string,
  caPem: string,
): Promise<{ status: number; body: Payload }> {
  const { request } = await import("node:https");
  return new Promise((resolve, reject) => {
    const req = request(
      `${cloudUrl}/projects/${projectId}/imessage/tokens`,
      {
        method: "POST",
        ca: caPem,
        headers: {
          authorization: `Basic ${Buffer.from(`${projectId}:${projectSecret}`).toString("base64")}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Payload,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}
