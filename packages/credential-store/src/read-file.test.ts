// readHomeFileText: a HERMES_HOME file read whole, with bounds — a link to a device or a huge
// file is refused instead of read forever or into memory; a named pipe with a writer is read.
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
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
    // The reads below block this thread until a writer opens the pipe. Should a writer never start,
    // this opens it (non-blocking: only while a reader waits) after 60 s, so the test fails with
    // an empty read instead of hanging the run.
    const rescue = spawn(process.execPath, [
      "-e",
      `const fs = require("fs"); setInterval(() => { try { fs.closeSync(fs.openSync(${JSON.stringify(fifo)}, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK)); } catch {} }, 60000);`,
    ]);
    onTestFinished(() => void rescue.kill("SIGKILL"));
    const writer = spawn(process.execPath, [
      "-e",
      `require("fs").writeFileSync(${JSON.stringify(fifo)}, "TOKEN=from-the-pipe\\n")`,
    ]);
    const exited = new Promise((resolve) => writer.on("exit", resolve));
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
