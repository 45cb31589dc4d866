// `hermes-gateway dev --platform imessage`: the embedded default for iMessage. A SpectrumFake (the
// Photon control plane + iMessage gRPC over TLS from the test CA) runs in this process; the real
// gateway (`hermes-gateway run` with PHOTON_ENABLED, the real channel and spectrum-ts SDK) runs as
// a child process, because the SDK, grpc-js and Node read the endpoint and CA settings when they
// load (see packages/photon-channel/docs/sdk-notes.md). You type as an iMessage user; the replies
// are what the fake recorded as sent.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { SpectrumFake } from "@hermes/photon-channel/testing";
import { runTranscript } from "../dev/transcript.js";

export interface DevImessageOptions {
  readonly script?: readonly string[];
  readonly verbose: boolean;
  /** The agent spec for the session (`--agent`, else GATEWAY_AGENT), passed to the child. */
  readonly agent: string | undefined;
  readonly agentTimeoutMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly input: NodeJS.ReadableStream;
  readonly color: boolean;
  /** argv[0..1] of this bin, to start the gateway child with. */
  readonly self: readonly string[];
}

/** The simulated iMessage user (allowed by the session's PHOTON_ALLOWED_USERS). */
export const DEV_IMESSAGE_USER = "+15555550100";
const STARTUP_TIMEOUT_MS = 120_000;
/** Child log messages that end a turn. */
const TURN_END = new Set(["replied", "turn failed", "turn ended without a reply"]);

export async function runDevImessage(opts: DevImessageOptions): Promise<number> {
  const paint = (code: string, s: string) => (opts.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const say = (s: string) => opts.out.write(`${s}\n`);
  const home = mkdtempSync(join(tmpdir(), "hermes-dev-imessage-"));
  const fake = await SpectrumFake.start({ heartbeatIntervalMs: 1000 });
  const caFile = await fake.writeCaFile(home);
  // The project credentials go where `hermes photon setup` leaves them, never in the child's env.
  writeFileSync(
    join(home, ".env"),
    `PHOTON_PROJECT_ID=${fake.projectId}\nPHOTON_PROJECT_SECRET=${fake.projectSecret}\n`,
    { mode: 0o600 },
  );
  const childEnv: Record<string, string> = {
    PATH: opts.env["PATH"] ?? "",
    HERMES_HOME: home,
    PHOTON_ENABLED: "1",
    PHOTON_ALLOWED_USERS: DEV_IMESSAGE_USER,
    GATEWAY_LOG_LEVEL: "info",
    GATEWAY_LOG_FORMAT: "json",
    GATEWAY_AGENT_TIMEOUT_MS: String(opts.agentTimeoutMs),
    ...(opts.agent !== undefined ? { GATEWAY_AGENT: opts.agent } : {}),
    // How the agent answers (protocol v2 NDJSON or plain text), as `run` reads it.
    ...(opts.env["GATEWAY_AGENT_OUTPUT"] !== undefined
      ? { GATEWAY_AGENT_OUTPUT: opts.env["GATEWAY_AGENT_OUTPUT"] }
      : {}),
    ...(opts.env["HOME"] !== undefined ? { HOME: opts.env["HOME"] } : {}),
    ...fake.sdkEnvironment(caFile),
  };
  const child = spawn(opts.self[0] ?? process.execPath, [...opts.self.slice(1), "run"], {
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Ctrl-C (or a SIGTERM) at the prompt: stop the gateway and remove the temporary home (it holds
  // the fake project's secret and the test CA) before exiting 130, as the finally below would.
  const interrupted = (): void => {
    const gone = new Promise<void>((resolve) => {
      if (exited !== undefined) resolve();
      else child.once("exit", () => resolve());
    });
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
    void gone
      .then(() => fake.close())
      .finally(() => {
        rmSync(home, { recursive: true, force: true });
        process.exit(130);
      });
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  const turnEnds: Array<{ msg: string; code?: string }> = [];
  let wake: (() => void) | null = null;
  let exited: number | null | undefined;
  let stderrTail = "";
  createInterface({ input: child.stdout }).on("line", (line) => {
    type Entry = { msg?: unknown; code?: unknown; component?: unknown };
    let entry: Entry | null;
    try {
      entry = JSON.parse(line) as Entry;
    } catch {
      entry = null;
    }
    if (opts.verbose) opts.err.write(`${line}\n`);
    if (
      entry &&
      entry.component === "photon" &&
      typeof entry.msg === "string" &&
      TURN_END.has(entry.msg)
    ) {
      turnEnds.push({
        msg: entry.msg,
        ...(typeof entry.code === "string" ? { code: entry.code } : {}),
      });
      wake?.();
    }
  });
  child.stderr.on("data", (b: Buffer) => {
    stderrTail = (stderrTail + b.toString("utf8")).slice(-4096);
    if (opts.verbose) opts.err.write(b);
  });
  child.on("exit", (code) => {
    exited = code;
    wake?.();
  });
  const waitUntil = async (check: () => boolean, timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (exited !== undefined || Date.now() > deadline) return false;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 100).unref();
      });
    }
    return true;
  };

  let code = 0;
  let turnsSeen = 0;
  const send = async (text: string): Promise<boolean> => {
    const chat = `any;-;${DEV_IMESSAGE_USER}`;
    const before = fake.sends.length;
    const filesBefore = fake.attachmentSends.length;
    fake.push({ type: "text", from: DEV_IMESSAGE_USER, text });
    const ended = await waitUntil(() => turnEnds.length > turnsSeen, opts.agentTimeoutMs + 30_000);
    const end = turnEnds[turnsSeen];
    turnsSeen = turnEnds.length;
    for (const file of fake.attachmentSends.slice(filesBefore))
      say(
        `${paint("36", "agent ›")} [${file.isAudioMessage ? "voice note" : "file"} ${file.fileName}]`,
      );
    for (const sent of fake.sends.slice(before)) {
      if (sent.request["chatGuid"] === chat)
        say(`${paint("36", "agent ›")} ${String(sent.request["text"] ?? "")}`);
    }
    if (!ended || !end) {
      say(paint("31", "✗ no reply from the gateway"));
      return false;
    }
    if (end.msg === "turn failed") say(paint("31", `✗ the turn failed (${end.code ?? "error"})`));
    return end.msg === "replied" || end.msg === "turn ended without a reply";
  };

  try {
    // Up once the SDK's streams and the channel's watch are subscribed (3 streams).
    const up = await waitUntil(() => fake.openStreamCount >= 3, STARTUP_TIMEOUT_MS);
    if (!up)
      throw new Error(
        `the gateway did not connect to the Spectrum fake${exited !== undefined ? ` (it exited ${exited}): ${stderrTail.trim()}` : ""}`,
      );
    say(
      paint(
        "2",
        `connected: hermes-gateway (iMessage via spectrum-ts) ↔ Spectrum fake ${fake.imessageAddress}; you are ${DEV_IMESSAGE_USER}`,
      ),
    );
    code = await runTranscript(
      { script: opts.script, input: opts.input, out: opts.out, paint },
      send,
    );
  } catch (e) {
    say(paint("31", `✗ ${(e as Error).message}`));
    code = 1;
  } finally {
    if (exited === undefined) {
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await gone;
      clearTimeout(guard);
    }
    process.removeListener("SIGINT", interrupted);
    process.removeListener("SIGTERM", interrupted);
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  }
  return code;
}
