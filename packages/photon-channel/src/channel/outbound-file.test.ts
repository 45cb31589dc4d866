import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isVoiceReady, readOutboundFile } from "./outbound-file.js";

const dir = mkdtempSync(join(tmpdir(), "photon-outbound-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, bytes: Buffer | string): string => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

/** An MPEG-4 audio header: box size, `ftyp`, major brand. */
const m4aHeader = (brand: string) =>
  Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from(`ftyp${brand}`), Buffer.alloc(20)]);

describe("readOutboundFile", () => {
  it("reads a file whole with its base name", async () => {
    const path = file("report.pdf", "%PDF-1.7 hello");
    const read = await readOutboundFile(path, 100);
    expect(read).toEqual({
      ok: true,
      file: { path, fileName: "report.pdf", bytes: Buffer.from("%PDF-1.7 hello") },
    });
  });

  it("accepts a file exactly at the cap and refuses one byte more, before reading it", async () => {
    expect((await readOutboundFile(file("ten", "0123456789"), 10)).ok).toBe(true);
    expect(await readOutboundFile(file("eleven", "0123456789a"), 10)).toMatchObject({
      ok: false,
      code: "MEDIA_TOO_LARGE",
      message: expect.stringContaining("over the 10-byte cap"),
    });
  });

  it("refuses a FIFO at once instead of waiting for a writer", async () => {
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    // Without O_NONBLOCK the open never returns (no writer ever comes): the test times out.
    expect(await readOutboundFile(fifo)).toMatchObject({
      ok: false,
      code: "MEDIA_FILE",
      message: expect.stringContaining("not a regular file"),
    });
  });

  it("answers a typed result for a missing, empty or non-regular file", async () => {
    expect(await readOutboundFile(join(dir, "nope.png"))).toMatchObject({
      ok: false,
      code: "MEDIA_FILE",
      message: expect.stringContaining("ENOENT"),
    });
    expect(await readOutboundFile(file("empty.txt", ""))).toMatchObject({
      ok: false,
      code: "MEDIA_EMPTY",
    });
    const sub = join(dir, "a-directory");
    mkdirSync(sub);
    expect(await readOutboundFile(sub)).toMatchObject({ ok: false, code: "MEDIA_FILE" });
  });
});

describe("isVoiceReady", () => {
  const voice = (fileName: string, bytes: Buffer) => ({ path: fileName, fileName, bytes });

  it("takes MPEG-4 audio by its header, and .m4a/.aac by name", () => {
    expect(isVoiceReady(voice("note.bin", m4aHeader("M4A ")))).toBe(true);
    expect(isVoiceReady(voice("note.mp4", m4aHeader("isom")))).toBe(true);
    expect(isVoiceReady(voice("note.aac", Buffer.from([0xff, 0xf1, 0x50])))).toBe(true);
  });

  it("refuses what would need a conversion (ogg, mp3, QuickTime)", () => {
    expect(isVoiceReady(voice("note.ogg", Buffer.from("OggS\0\x02rest-of-page")))).toBe(false);
    expect(isVoiceReady(voice("note.mp3", Buffer.from("ID3\x04\0\0\0\0\0\0")))).toBe(false);
    expect(isVoiceReady(voice("clip.m4a", m4aHeader("qt  ")))).toBe(false);
  });
});
