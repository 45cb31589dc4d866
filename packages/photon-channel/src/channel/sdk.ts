// The slice of spectrum-ts 12.8.0 the channel uses, typed structurally so this package's CJS
// build and its .d.ts never reference the ESM-only SDK's types. `loadSpectrumSdk` is the one
// place the SDK is loaded: with import(), only when a channel starts.

import type { RawImessageClient } from "./event-watch.js";

export interface SdkSpace {
  readonly id: string;
  readonly type?: string;
  /** The line's number (dedicated lines; `"shared"` on the shared line): sends go out through it. */
  readonly phone?: string;
  send(content: unknown): Promise<unknown>;
}

export interface SdkMessage {
  readonly id: string;
  react(emoji: string): Promise<unknown>;
  /** Marks the chat read up to this message. */
  read(): Promise<void>;
}

/** What `space.send()` takes: content built lazily (the SDK calls `build()` before any request). */
export interface SdkContentBuilder {
  build(): Promise<unknown>;
}

export interface SpectrumApp {
  readonly messages: AsyncIterable<[unknown, unknown]>;
  stop(): Promise<void>;
}

export interface IMessageInstance {
  /**
   * The iMessage provider's own inbound stream, the one `app.messages` merges with every other
   * provider's (two stream layers fewer per message; one subscription per app).
   */
  readonly messages: AsyncIterable<[unknown, unknown]>;
  /** `params.phone` picks the dedicated line when there are several. */
  readonly space: { get(id: string, params?: { phone: string }): Promise<SdkSpace> };
  getMessage(space: SdkSpace, messageId: string): Promise<SdkMessage | undefined>;
}

export interface SpectrumSdk {
  Spectrum(options: {
    projectId: string;
    projectSecret: string;
    providers: unknown[];
    telemetry: boolean;
    options?: {
      flattenGroups?: boolean;
      logLevel?: "debug" | "info" | "warn" | "error" | "silent";
    };
  }): Promise<SpectrumApp>;
  /** Content builders. */
  text(value: string): unknown;
  typing(state: "start" | "stop"): unknown;
  /** `UploadAttachment` then `SendAttachmentMessage`. */
  attachment(input: Buffer, options: { name: string; mimeType: string }): SdkContentBuilder;
  /** As `attachment`, sent with `is_audio_message` (the SDK converts non-m4a audio with ffmpeg: never given any). */
  voice(input: Buffer, options: { name: string; mimeType: string }): SdkContentBuilder;
  /** The iMessage provider: `imessage.config()` for `providers`, `imessage(app)` for the instance. */
  imessage: ((app: SpectrumApp) => IMessageInstance) & {
    /** No clients: the SDK gets its lines from the control plane; with clients: exactly those (static tokens). */
    config(options?: {
      clients: Array<{ address: string; token: string; phone: string }>;
    }): unknown;
  };
  /** The SDK's control-plane client (same `SPECTRUM_CLOUD_URL` as the SDK itself). */
  cloud: { issueImessageTokens(projectId: string, projectSecret: string): Promise<ImessageTokens> };
  /** `@photon-ai/advanced-imessage/grpc`'s client: the layer beneath the SDK (heartbeats, catch-up). */
  createGrpcClient(options: {
    address: string;
    token: () => Promise<string>;
    tls: boolean;
    retry: boolean;
    onHeartbeat: () => void;
  }): RawImessageClient;
}

/** What the control plane answers for iMessage tokens: a shared-line token, or per-line tokens. */
export type ImessageTokens =
  | { type: "shared"; token: string; expiresIn: number }
  | {
      type: "dedicated";
      expiresIn: number;
      /** Token by line instance id. */
      auth: Record<string, string>;
      /** Phone number by line instance id. */
      numbers?: Record<string, string>;
    };

/** The pinned SDK version this package is written and tested against. */
export const SPECTRUM_TS_VERSION = "12.8.0";

/**
 * Loads spectrum-ts and its iMessage provider. The SDK reads `SPECTRUM_CLOUD_URL` (and grpc-js
 * `GRPC_DEFAULT_SSL_ROOTS_FILE_PATH`) from the process environment the first time it loads; this
 * package never sets them (see docs/sdk-notes.md).
 */
export async function loadSpectrumSdk(): Promise<SpectrumSdk> {
  const [core, provider, grpc] = await Promise.all([
    import("spectrum-ts"),
    import("spectrum-ts/providers/imessage"),
    import("@photon-ai/advanced-imessage/grpc"),
  ]);
  return {
    Spectrum: core.Spectrum,
    text: core.text,
    typing: core.typing,
    attachment: core.attachment,
    voice: core.voice,
    imessage: provider.imessage,
    cloud: core.cloud,
    createGrpcClient: grpc.createGrpcClient,
  } as unknown as SpectrumSdk;
}
