// readHomeFileText: a HERMES_HOME file read whole, with bounds — a link to a device or a huge
// file is refused instead of read forever or into memory; a named pipe with a writer is read.
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import {
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { readEnvFile } from "./dotenv.js";
import { CredentialStoreError } from "./errors.js";
import { HomeFileReadError, readHomeFileText } from "./read-file.js";

const dir = mkdtempSync(join(tmpdir(), "cred-read-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readHomeFileText", () => {
  it("reads a file as UTF-8, null when it does not exist, whole up to exactly the bound", () => {
    const path = join(dir, "plain");
    writeFileSync(path, "A=ü\n");
    expect(readHomeFileText(path)).toBe("A=ü\n");
    expect(readHomeFileText(join(dir, "missing"))).toBeNull();
    writeFileSync(path, "x".repeat(100));
    expect(readHomeFileText(path, 100)).toBe("x".repeat(100));
    expect(() => readHomeFileText(path, 99)).toThrow(
      expect.objectContaining({ code: "EFBIG", path }),
    );
  });

  // Would never return (or exhaust memory) with readFileSync: the test would time out.
  it("a link to /dev/zero is ENOTREG at once; a directory is EISDIR", () => {
    const link = join(dir, "zero");
    symlinkSync("/dev/zero", link);
    expect(() => readHomeFileText(link)).toThrow(HomeFileReadError);
    expect(() => readHomeFileText(link)).toThrow(expect.objectContaining({ code: "ENOTREG" }));
    mkdirSync(join(dir, "folder"));
    expect(() => readHomeFileText(join(dir, "folder"))).toThrow(
      expect.objectContaining({ code: "EISDIR" }),
    );
  });

  it("a named pipe is read to its end (a secret manager serving .env), and bounded too", async () => {
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    const writer = spawn(process.execPath, [
      "-e",
      `require("fs").writeFileSync(${JSON.stringify(fifo)}, "TOKEN=from-the-pipe\\n")`,
    ]);
    const exited = new Promise((resolve) => writer.on("exit", resolve));
    // Opened before the writer has started: the read waits for it (never blocked: see below).
    expect(readHomeFileText(fifo)).toBe("TOKEN=from-the-pipe\n");
    await exited;
    const flood = spawn(process.execPath, [
      "-e",
      `const fs = require("fs"); const fd = fs.openSync(${JSON.stringify(fifo)}, "w"); try { for (;;) fs.writeSync(fd, Buffer.alloc(65536, 97)); } catch {}`,
    ]);
    const flooded = new Promise((resolve) => flood.on("exit", resolve));
    expect(() => readHomeFileText(fifo, 1024 * 1024)).toThrow(
      expect.objectContaining({ code: "EFBIG" }),
    );
    await flooded; // its writes fail (EPIPE) once the reader has closed the pipe
  });

  // A blocking open(2) of a pipe nothing writes to never returns: this test would hang the run.
  it("a named pipe nothing writes to, or whose writer stalls, is ETIMEDOUT after the wait, not a hang", async () => {
    const fifo = join(dir, "silent-pipe");
    execFileSync("mkfifo", [fifo]);
    expect(() => readHomeFileText(fifo, 1024, 200)).toThrow(
      expect.objectContaining({
        code: "ETIMEDOUT",
        path: fifo,
        reason: "is a named pipe and nothing wrote to it within 0.2 s",
      }),
    );
    // A writer that opens the pipe, writes a part and then holds it open without finishing. This
    // test holds a read end open first, so the writer's open returns and it says when it wrote.
    const held = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    onTestFinished(() => closeSync(held));
    const stalled = spawn(
      process.execPath,
      [
        "-e",
        `const fs = require("fs"); const fd = fs.openSync(${JSON.stringify(fifo)}, "w"); fs.writeSync(fd, "TOKEN=par"); console.log("wrote"); setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    onTestFinished(() => void stalled.kill("SIGKILL"));
    await new Promise((resolve) => stalled.stdout.once("data", resolve));
    expect(() => readHomeFileText(fifo, 1024, 1000)).toThrow(
      expect.objectContaining({
        code: "ETIMEDOUT",
        reason: "is a named pipe and its writer did not finish within 1 s",
      }),
    );
  });

  it("the .env reader names the refusal instead of an errno hint", async () => {
    const home = join(dir, "home");
    mkdirSync(home);
    symlinkSync("/dev/zero", join(home, ".env"));
    const error: unknown = await readEnvFile(home).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialStoreError);
    expect((error as Error).message).toBe(
      `Cannot read ${join(home, ".env")} (is not a regular file (a device or socket)). It was left untouched.`,
    );
  });
});
