// Never lose, never corrupt (docs/contract/hermes-home.md#writing-files-safely): concurrent writers from separate processes are
// serialized, and a writer killed with SIGKILL mid-loop never leaves a file that fails to parse.
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseDotenv, readAuth, readEnvFile } from "../src/index.js";
import { useTempDirs } from "./support/temp.js";

const WRITER = fileURLToPath(new URL("./fixtures/writer.mjs", import.meta.url));
const home = useTempDirs("cred-conc-");

function run(args: string[], env: Record<string, string> = {}): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, ...args], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...env },
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(code) : reject(new Error(`writer exited ${code}: ${err}`)),
    );
  });
}

// 400 locked, fsynced writes from 8 processes: seconds on a quiet machine, much longer when CI
// runs every package at once on 2 cores. The larger timeout is a hang guard, not a target.
describe("8 processes × 50 updates at once", { timeout: 180_000 }, () => {
  it("auth.json: all 400 updates present, file parses", async () => {
    const h = home();
    await Promise.all(Array.from({ length: 8 }, (_, id) => run(["auth", h, String(id), "50"])));
    const doc = await readAuth(h);
    const writers = doc["writers"] as Record<string, { value: string }>;
    expect(Object.keys(writers)).toHaveLength(400);
    for (let id = 0; id < 8; id++)
      for (let i = 0; i < 50; i++) expect(writers[`w${id}_${i}`]?.value).toBe(`secret-${id}-${i}`);
  });

  it(".env: all 400 keys present with their values, file parses", async () => {
    const h = home();
    await Promise.all(Array.from({ length: 8 }, (_, id) => run(["env", h, String(id), "50"])));
    const env = await readEnvFile(h);
    expect(env.size).toBe(400);
    for (let id = 0; id < 8; id++)
      for (let i = 0; i < 50; i++) expect(env.get(`W${id}_${i}`)).toBe(`value ${id} #${i} "q"`);
  });
});

describe("SIGKILL during a tight write loop", { timeout: 120_000 }, () => {
  async function killMidLoop(
    mode: "loop-auth" | "loop-env",
    h: string,
    afterMs: number,
  ): Promise<void> {
    const child = spawn(process.execPath, [WRITER, mode, h, "0"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    await new Promise((r) => setTimeout(r, afterMs));
    const exited = new Promise((r) => child.on("exit", r));
    child.kill("SIGKILL");
    await exited;
    // The killed writer held the lock; clear it here so the next round starts at once (the
    // stale-lock takeover itself is tested below, it takes the library's 2 s minimum).
    rmSync(join(h, mode === "loop-auth" ? "auth.json.lock" : ".env.lock"), {
      recursive: true,
      force: true,
    });
  }

  it.each(["loop-auth", "loop-env"] as const)(
    "%s: the file always parses afterwards",
    async (mode) => {
      const h = home();
      for (const ms of [30, 75, 120, 160, 210, 260]) {
        await killMidLoop(mode, h, ms);
        if (mode === "loop-auth") {
          const doc = JSON.parse(readFileSync(join(h, "auth.json"), "utf8")) as {
            counter: number;
            blob: string;
          };
          expect(typeof doc.counter).toBe("number");
          expect(doc.blob).toMatch(/^x+$/);
        } else {
          const env = parseDotenv(readFileSync(join(h, ".env"), "utf8"));
          expect(env.size).toBeGreaterThan(0);
          for (const [k, v] of env) {
            expect(k).toMatch(/^LOOP_\d+$/);
            expect(v).toMatch(/^v\d+ y*$/);
          }
        }
      }
    },
  );

  it("a lock left behind by a killed writer is taken over once stale, and the write lands", async () => {
    const h = home();
    const child = spawn(process.execPath, [WRITER, "loop-env", h, "0"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    await new Promise((r) => setTimeout(r, 50));
    const exited = new Promise((r) => child.on("exit", r));
    child.kill("SIGKILL");
    await exited;
    await run(["env", h, "9", "1"], { STALE_MS: "2000" });
    expect((await readEnvFile(h)).get("W9_0")).toBe('value 9 #0 "q"');
  });
});
