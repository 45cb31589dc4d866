// One iMessage chat as the shared turn pipeline sees it (ChatOutbound): text through the channel
// (markdown rendered per PHOTON_MARKDOWN, split at the iMessage cap by the channel, paced, an
// ambiguous send never resent), and the agent's media through the same `upload` + `send_media`
// steps the relay path uses, so ReplyStream's rules hold unchanged: a file that cannot be read
// (missing, unreadable, empty, over the cap) is logged and its caption goes out as text; a send
// that failed on the wire fails the turn and nothing is sent in its place. No streaming by edits
// and no other ops: the runtime shows its own typing and tapbacks.
import {
  DEFAULT_MAX_ATTACHMENT_BYTES,
  PhotonAttachmentError,
  PhotonSendError,
  readOutboundFile,
  type PhotonChannel,
  type PhotonOutboundFile,
} from "@hermes/photon-channel";
import { mimeForName } from "@hermes/relay-adapter";
import type { MetricsRecorder } from "../ops/metrics-events.js";
import type { ChatOutbound } from "../reply/chat-outbound.js";

/** What `upload` hands to `send_media` stands for a file already read into memory. */
const FILE_REF_PREFIX = "photon-file:";

export interface PhotonChatOutboundOptions {
  readonly channel: PhotonChannel;
  readonly chatId: string;
  readonly platform: string;
  /** Read at each send: the gateway loads its metrics after start. */
  readonly metrics: () => MetricsRecorder;
  /** Cap of one outbound file. Default 25 MiB (as on the relay). */
  readonly maxFileBytes?: number;
  /** Called just before each send (the turn journal's TurnJournal.beforeReply). */
  readonly beforeReply?: () => void;
}

export function photonChatOutbound(opts: PhotonChatOutboundOptions): ChatOutbound {
  const { channel, chatId, metrics } = opts;
  // Files read by `upload` and not yet sent: ReplyStream runs `send_media` right after its
  // upload, so this holds at most one file at a time, for one turn.
  const pending = new Map<string, PhotonOutboundFile>();
  let nextRef = 0;
  /** Counts a failed send; true when it was ambiguous (it may have been delivered). */
  const countFailure = (error: unknown): boolean => {
    const ambiguous = error instanceof PhotonSendError && error.code === "ambiguous";
    metrics().outbound(ambiguous ? "ambiguous" : "failed");
    return ambiguous;
  };
  return {
    capabilities: {
      platform: opts.platform,
      // The channel renders and splits (its cap counts the rendered text).
      maxMessageLength: Number.MAX_SAFE_INTEGER,
      lenUnit: "chars",
      supports: (op) => op === "send_media",
      streaming: false,
    },
    async send(text) {
      try {
        opts.beforeReply?.();
        await channel.sendText(chatId, text);
        metrics().outbound("ok");
        return null;
      } catch (error) {
        countFailure(error);
        throw error;
      }
    },
    async action(op, fields) {
      if (op !== "send_media")
        return { success: false, unsupported: true, error: "not offered on iMessage" };
      const ref = typeof fields["source_url"] === "string" ? fields["source_url"] : "";
      const file = pending.get(ref);
      pending.delete(ref);
      if (!file) return { success: false, error: "no file was read for this media" };
      try {
        opts.beforeReply?.();
        await channel.sendFile(chatId, file, {
          kind: typeof fields["media_kind"] === "string" ? fields["media_kind"] : undefined,
          caption: typeof fields["content"] === "string" ? fields["content"] : undefined,
          mimeType: mimeForName(file.fileName),
        });
        metrics().outbound("ok");
        return { success: true };
      } catch (error) {
        // The SDK refused the file before any request: nothing went out, so the caption may.
        if (error instanceof PhotonAttachmentError) {
          metrics().outbound("unsupported");
          return { success: false, unsupported: true, error: error.message };
        }
        const ambiguous = countFailure(error);
        const message = error instanceof Error ? error.message : "the send failed";
        return { success: false, ambiguous, error: message };
      }
    },
    async upload(path) {
      const read = await readOutboundFile(path, opts.maxFileBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES);
      if (!read.ok) return { ok: false, code: read.code, message: read.message };
      nextRef += 1;
      const id = `${nextRef}`;
      pending.clear();
      pending.set(`${FILE_REF_PREFIX}${id}`, read.file);
      return { ok: true, url: `${FILE_REF_PREFIX}${id}`, id, size: read.file.bytes.length };
    },
  };
}
