// An agent's file on its way out over iMessage: read once, bounded, before anything is sent, so a
// missing, unreadable, empty or oversized file is a typed result (the host logs it and falls back)
// and never a half-sent message. The bytes are then handed to the SDK as a Buffer.
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { basename, extname } from "node:path";

/** Default cap of one outbound attachment (the relay's media cap; Photon's gRPC client allows 100 MiB). */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

export type OutboundFileErrorCode = "MEDIA_FILE" | "MEDIA_EMPTY" | "MEDIA_TOO_LARGE";

/** A local file read for sending: its base name and its bytes. */
export interface PhotonOutboundFile {
  readonly path: string;
  readonly fileName: string;
  readonly bytes: Buffer;
}

export type OutboundFileResult =
  | { readonly ok: true; readonly file: PhotonOutboundFile }
  | { readonly ok: false; readonly code: OutboundFileErrorCode; readonly message: string };

/**
 * Reads `path` for sending, at most `maxBytes` of it (a file that grows past the cap while read
 * is refused too). Never throws.
 */
export async function readOutboundFile(
  path: string,
  maxBytes: number = DEFAULT_MAX_ATTACHMENT_BYTES,
): Promise<OutboundFileResult> {
  let handle;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer forever (and
    // hold a libuv thread, and the gateway's shutdown, with it). Regular files are unaffected;
    // anything else is refused by the stat below.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return fail("MEDIA_FILE", `cannot open ${path} (${codeOf(error)})`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return fail("MEDIA_FILE", `${path} is not a regular file`);
    if (st.size > maxBytes)
      return fail("MEDIA_TOO_LARGE", `${path} is ${st.size} bytes, over the ${maxBytes}-byte cap`);
    // One byte more than the cap tells a file that grew while read from one that fits exactly.
    const buffer = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buffer.length) break;
    }
    if (filled > maxBytes)
      return fail("MEDIA_TOO_LARGE", `${path} grew over the ${maxBytes}-byte cap while read`);
    if (filled === 0) return fail("MEDIA_EMPTY", `${path} is empty`);
    return {
      ok: true,
      file: { path, fileName: basename(path), bytes: buffer.subarray(0, filled) },
    };
  } catch (error) {
    return fail("MEDIA_FILE", `cannot read ${path} (${codeOf(error)})`);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

const M4A_BRANDS = new Set(["M4A ", "M4B ", "mp42", "mp41", "isom", "iso2"]);

/**
 * Whether the bytes are audio iMessage plays as a voice message without conversion: an MPEG-4
 * audio container (`ftyp` box with an audio brand) or a `.aac` / `.m4a` file. Anything else
 * would need the SDK to run ffmpeg, which this package never lets it do (see the README).
 */
export function isVoiceReady(file: PhotonOutboundFile): boolean {
  const bytes = file.bytes;
  if (bytes.length >= 12 && bytes.toString("latin1", 4, 8) === "ftyp")
    return M4A_BRANDS.has(bytes.toString("latin1", 8, 12));
  const ext = extname(file.fileName).toLowerCase();
  return ext === ".aac" || ext === ".m4a";
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "error";
}

function fail(code: OutboundFileErrorCode, message: string): OutboundFileResult {
  return { ok: false, code, message };
}
