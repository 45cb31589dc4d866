import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "@hermes/vitest-config/eventually";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { execAgent } from "../src/agent/exec.js";
import { httpAgent } from "../src/agent/http.js";
import type { AgentOutputEvent } from "../src/agent/ndjson-events.js";
import { relayEvent } from "./support/events.js";

const markDir = mkdtempSync(join(tmpdir(), "gw-exec-mark-"));
afterAll(() => rmSync(markDir, { recursive: true, force: true }));

const env = { PATH: process.env.PATH };
const live = () => new AbortController().signal;
const event = relayEvent("hello", { source: { chat_id: "c" } });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("exec agent", () => {
  it("gets the event JSON on stdin and replies with stdout", async () => {
    const a = execAgent({ command: "cat; echo", timeoutMs: 10_000, env });
    expect(JSON.parse(await a.runTurn(event, { signal: live() }))).toEqual(
      JSON.parse(JSON.stringify(event)),
    );
  });

  it("a non-zero exit is AGENT_FAILED", async () => {
    const a = execAgent({ command: "exit 3", timeoutMs: 10_000, env });
    await expect(a.runTurn(event, { signal: live() })).rejects.toMatchObject({
      code: "AGENT_FAILED",
    });
  });

  it("exit 126 / 127 say 'not executable' / 'not found'", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-exec-"));
    const script = join(dir, "agent.sh");
    writeFileSync(script, "#!/bin/sh\necho hi\n", { mode: 0o644 }); // not executable
    await expect(
      execAgent({ command: script, timeoutMs: 10_000, env }).runTurn(event, { signal: live() }),
    ).rejects.toMatchObject({
      code: "AGENT_FAILED",
      message: expect.stringContaining("not executable (exit 126)"),
    });
    await expect(
      execAgent({ command: join(dir, "missing.sh"), timeoutMs: 10_000, env }).runTurn(event, {
        signal: live(),
      }),
    ).rejects.toMatchObject({
      code: "AGENT_FAILED",
      message: expect.stringContaining("not found (exit 127)"),
    });
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the last 4 KiB of stderr and logs it at warn when the turn fails (not when it succeeds)", async () => {
    const warned: { fields: { exitCode: number | null; stderr: string }; msg: string }[] = [];
    const logger = {
      warn: (fields: { exitCode: number | null; stderr: string }, msg: string) =>
        void warned.push({ fields, msg }),
    };
    // 1 MiB of 'x' then a last line: only the tail survives.
    const noisy = `node -e 'process.stderr.write("x".repeat(1<<20)); process.stderr.write("\\nlast words\\n"); process.exitCode = 5'`;
    await expect(
      execAgent({ command: noisy, timeoutMs: 10_000, env, logger }).runTurn(event, {
        signal: live(),
      }),
    ).rejects.toMatchObject({
      message: expect.stringContaining("exited with 5"),
    });
    expect(warned).toHaveLength(1);
    expect(warned[0]!.fields.exitCode).toBe(5);
    expect(warned[0]!.fields.stderr.endsWith("\nlast words\n")).toBe(true);
    expect(Buffer.byteLength(warned[0]!.fields.stderr)).toBe(4096);
    await execAgent({ command: "echo fine >&2; echo ok", timeoutMs: 10_000, env, logger }).runTurn(
      event,
      { signal: live() },
    );
    expect(warned).toHaveLength(1);
  });

  it("a turn over the timeout is stopped with AGENT_TIMEOUT", async () => {
    const a = execAgent({ command: "sleep 30", timeoutMs: 100, env, killGraceMs: 100 });
    await expect(a.runTurn(event, { signal: live() })).rejects.toMatchObject({
      code: "AGENT_TIMEOUT",
    });
  });

  it("an agent that exits leaving a process on its stdout answers; the leftover is killed after the grace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-exec-"));
    const pidFile = join(dir, "pid");
    const a = execAgent({
      command: `echo answered; sleep 600 & echo $! > ${pidFile}`,
      timeoutMs: 600_000,
      env,
      killGraceMs: 100,
    });
    expect(await a.runTurn(event, { signal: live() })).toBe("answered");
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    await eventually(() => expect(alive(pid)).toBe(false), "the leftover to be killed");
    rmSync(dir, { recursive: true, force: true });
  });

  it("abort kills the whole process group, grandchildren included", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-exec-"));
    const pidFile = join(dir, "pid");
    const a = execAgent({
      command: `sleep 30 & echo $! > ${pidFile}; wait`,
      timeoutMs: 10_000,
      env,
      killGraceMs: 100,
    });
    const ac = new AbortController();
    const turn = a.runTurn(event, { signal: ac.signal });
    // The shell creates the file before it writes the pid: wait for the number itself (an empty
    // read is pid 0, and kill(0, 0) probes this very process group, alive forever).
    await eventually(
      () => existsSync(pidFile) && /^\d+$/.test(readFileSync(pidFile, "utf8").trim()),
      "the grandchild's pid in its file",
    );
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(true);
    ac.abort();
    await expect(turn).rejects.toMatchObject({ code: "AGENT_ABORTED" });
    await eventually(() => expect(alive(pid)).toBe(false), "the grandchild to exit");
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("exec agent, ndjson output", () => {
  it("hands each event on as its line is written, while the agent still runs", async () => {
    const events: AgentOutputEvent[] = [];
    const a = execAgent({
      command: `printf '{"type":"delta","text":"a"}\\n'; while [ ! -e "$MARK" ]; do sleep 0.05; done; printf '{"type":"x"}\\n{"type":"delta","text":"b"}'`,
      timeoutMs: 20_000,
      env: { ...env, MARK: join(markDir, "go") },
      output: "ndjson",
    });
    const turn = a.runTurn(event, {
      signal: live(),
      emit: (e) => {
        events.push(e);
        if (events.length === 1) writeFileSync(join(markDir, "go"), ""); // the agent waits for this
      },
    });
    expect(await turn).toBe("");
    expect(events).toEqual([
      { type: "delta", text: "a" },
      { type: "delta", text: "b" },
    ]);
  });

  it("a malformed line stops the agent with AGENT_BAD_REPLY; an over-long line too", async () => {
    await expect(
      execAgent({
        command: "echo '{oops'; sleep 30",
        timeoutMs: 20_000,
        env,
        output: "ndjson",
      }).runTurn(event, { signal: live(), emit: () => undefined }),
    ).rejects.toMatchObject({
      code: "AGENT_BAD_REPLY",
    });
    await expect(
      execAgent({
        command: "head -c 300000 /dev/zero | tr '\\0' x; sleep 30",
        timeoutMs: 20_000,
        env,
        output: "ndjson",
      }).runTurn(event, { signal: live(), emit: () => undefined }),
    ).rejects.toMatchObject({
      code: "AGENT_BAD_REPLY",
      message: expect.stringContaining("longer than"),
    });
  });
});

describe("http agent", () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());
  async function serve(
    handler: (body: string, res: ServerResponse, req: IncomingMessage) => void,
  ): Promise<string> {
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => handler(body, res, req));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    close = () => server.close();
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/turn`;
  }

  it("POSTs the event JSON; accepts {reply}, {text} and plain text bodies", async () => {
    const seen: unknown[] = [];
    const replies = [
      ["application/json", '{"reply":"r1"}'],
      ["application/json; charset=utf-8", '{"text":"r2"}'],
      ["text/plain", "r3"],
    ];
    let i = 0;
    const url = await serve((body, res, req) => {
      seen.push([req.method, req.headers["content-type"], JSON.parse(body)]);
      const [ct, b] = replies[i++] as [string, string];
      res.writeHead(200, { "content-type": ct }).end(b);
    });
    const a = httpAgent({ url, timeoutMs: 10_000 });
    expect([
      await a.runTurn(event, { signal: live() }),
      await a.runTurn(event, { signal: live() }),
      await a.runTurn(event, { signal: live() }),
    ]).toEqual(["r1", "r2", "r3"]);
    expect(seen[0]).toEqual(["POST", "application/json", event]);
  });

  it("non-2xx and JSON without reply/text are typed errors", async () => {
    let n = 0;
    const url = await serve((_b, res) => {
      if (n++ === 0) res.writeHead(500).end("no");
      else res.writeHead(200, { "content-type": "application/json" }).end('{"other":1}');
    });
    const a = httpAgent({ url, timeoutMs: 10_000 });
    await expect(a.runTurn(event, { signal: live() })).rejects.toMatchObject({
      code: "AGENT_FAILED",
    });
    await expect(a.runTurn(event, { signal: live() })).rejects.toMatchObject({
      code: "AGENT_BAD_REPLY",
    });
  });

  it("an application/x-ndjson answer is read as it streams: each event arrives before the body ends", async () => {
    let finish: (() => void) | null = null;
    const url = await serve((_b, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.write('{"type":"delta","text":"Hel"}\n{"type":"lo');
      finish = () => res.end('ok"}\n{"type":"message","text":"done"}');
    });
    const events: AgentOutputEvent[] = [];
    const turn = httpAgent({ url, timeoutMs: 10_000 }).runTurn(event, {
      signal: live(),
      emit: (e) => {
        events.push(e);
        if (events.length === 1) finish?.();
      },
    });
    expect(await turn).toBe("");
    expect(events).toEqual([
      { type: "delta", text: "Hel" },
      { type: "message", text: "done" },
    ]);
  });

  it("GATEWAY_AGENT_OUTPUT=ndjson reads a text/plain body as events; a malformed line is AGENT_BAD_REPLY", async () => {
    let n = 0;
    const url = await serve((_b, res) => {
      res
        .writeHead(200, { "content-type": "text/plain" })
        .end(n++ === 0 ? '{"type":"message","text":"hi"}\n' : "plain words\n");
    });
    const a = httpAgent({ url, timeoutMs: 10_000, output: "ndjson" });
    const events: AgentOutputEvent[] = [];
    await a.runTurn(event, { signal: live(), emit: (e) => events.push(e) });
    expect(events).toEqual([{ type: "message", text: "hi" }]);
    await expect(a.runTurn(event, { signal: live(), emit: () => undefined })).rejects.toMatchObject(
      { code: "AGENT_BAD_REPLY" },
    );
  });

  it("an endless body is cut at the 1 MiB cap as it arrives (2xx text or JSON: AGENT_BAD_REPLY; non-2xx: AGENT_FAILED, unread)", async () => {
    const statuses = [
      [200, "text/plain"],
      [200, "application/json"],
      [500, "text/plain"],
    ] as const;
    let n = 0;
    const cut: Promise<void>[] = [];
    const chunk = Buffer.alloc(256 * 1024, "x");
    const url = await serve((_b, res) => {
      const [status, type] = statuses[n++]!;
      res.writeHead(status, { "content-type": type });
      // Endless, at a bounded rate: without the cap the turn would run into its timeout.
      const pump = setInterval(() => {
        if (!res.writableNeedDrain) res.write(chunk);
      }, 5);
      cut.push(new Promise((r) => res.once("close", () => r(clearInterval(pump)))));
    });
    const a = httpAgent({ url, timeoutMs: 20_000 });
    for (const code of ["AGENT_BAD_REPLY", "AGENT_BAD_REPLY", "AGENT_FAILED"])
      await expect(a.runTurn(event, { signal: live() })).rejects.toMatchObject({ code });
    await Promise.all(cut); // the gateway stopped reading each response
  });

  it("abort cancels the request with AGENT_ABORTED", async () => {
    const url = await serve(() => {
      /* never answers */
    });
    const a = httpAgent({ url, timeoutMs: 10_000 });
    const ac = new AbortController();
    const turn = a.runTurn(event, { signal: ac.signal });
    ac.abort();
    await expect(turn).rejects.toMatchObject({ code: "AGENT_ABORTED" });
  });
});
