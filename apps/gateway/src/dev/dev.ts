// `hermes-gateway dev`: the embedded default. A ReferenceConnector runs in-process on
// 127.0.0.1 with a freshly minted gateway secret; the real gateway runtime connects to it with
// real upgrade auth; you type as a simulated chat user (or pass --script) and see the agent's
// replies as the connector received them.
import { randomBytes } from "node:crypto";
import type { WireMessageEvent } from "@hermes/relay-adapter";
import { ReferenceConnector, type OutboundRecord } from "@hermes/relay-adapter/testing";
import pino from "pino";
import type { GatewayConfig } from "../config/resolve.js";
import { describeAgent } from "../config/summary.js";
import { createLogger } from "../ops/logger.js";
import type { InboundOutcome } from "../pipeline/handle-inbound.js";
import { GatewayRuntime, type DroppedOutcome } from "../runtime/gateway.js";
import { runTranscript } from "./transcript.js";

export interface DevOptions {
  /** Messages to send non-interactively; exit after the last reply. */
  readonly script?: readonly string[];
  readonly verbose?: boolean;
  /** Resolves the gateway configuration with the dev overlay applied (relay URL, secret, …). */
  readonly resolve: (overlay: Record<string, string>) => GatewayConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: NodeJS.WritableStream;
  readonly input: NodeJS.ReadableStream;
  readonly color: boolean;
  /** The gateway's version, on every log line. */
  readonly version?: string;
}

const GATEWAY_ID = "gw-dev";
const CHAT_ID = "dev-chat";

interface Turn {
  readonly outcome: InboundOutcome | DroppedOutcome;
  readonly replies: string[];
}

/** The ops that put a message in the chat. */
const SHOWN_OPS = new Set(["send", "send_media", "prompt"]);

/**
 * What the chat shows after a turn's ops, one entry per message in order: a sent text as its
 * last edit left it, media as `[kind: file] caption`, a prompt with its options.
 */
export function chatView(
  ops: readonly OutboundRecord[],
  idOf: ReadonlyMap<string, string>,
): string[] {
  const shown: Array<{ id: string | undefined; text: string }> = [];
  for (const { action: a, requestId } of ops) {
    const text = typeof a["content"] === "string" ? a["content"] : "";
    if (a.op === "send") shown.push({ id: idOf.get(requestId), text });
    else if (a.op === "send_media") {
      const what = `[${String(a["media_kind"] ?? "media")}: ${String(a["filename"] ?? "")}]`;
      shown.push({ id: idOf.get(requestId), text: text === "" ? what : `${what} ${text}` });
    } else if (a.op === "prompt") {
      const options = Array.isArray(a["options"])
        ? (a["options"] as Array<{ label?: unknown }>).map((o) => String(o.label ?? ""))
        : [];
      shown.push({ id: idOf.get(requestId), text: `${text} [${options.join(" | ")}]` });
    } else if (a.op === "edit") {
      const target = shown.find((m) => m.id !== undefined && m.id === a["message_id"]);
      if (target !== undefined) target.text = text;
    }
  }
  return shown.map((m) => m.text);
}

/** Runs the dev session; resolves with the exit code. */
export async function runDev(opts: DevOptions): Promise<number> {
  const paint = (code: string, s: string) => (opts.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const say = (s: string) => opts.out.write(`${s}\n`);
  const secret = randomBytes(32).toString("hex");
  const connector = await new ReferenceConnector({ gateways: { [GATEWAY_ID]: [secret] } }).start();
  const config = opts.resolve({
    GATEWAY_RELAY_URL: connector.baseUrl,
    GATEWAY_RELAY_ID: GATEWAY_ID,
    GATEWAY_RELAY_SECRET: secret,
    GATEWAY_RELAY_PLATFORMS: "discord",
  });
  // Logs go to stderr so the transcript on stdout stays readable.
  const log = createLogger({
    level: opts.verbose ? "info" : "warn",
    secrets: [...config.secretValues, secret],
    format: "json",
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    destination: pino.destination({ fd: 2, sync: true }),
  });
  if (opts.verbose) {
    connector.on("frame", (f: { direction: "in" | "out"; frame: { type: string } }) => {
      say(
        paint(
          "2",
          `${f.direction === "in" ? "gateway → connector" : "connector → gateway"} ${JSON.stringify(f.frame)}`,
        ),
      );
    });
  }

  // The connector answers each message the chat shows with an id of ours, so that a streamed
  // reply's edits land on the message they edit (see chatView).
  const shownIds = new Map<string, string>(); // requestId → message id
  connector.onOutbound((r) => {
    if (!SHOWN_OPS.has(r.action.op)) return undefined;
    const id = `dev-m${shownIds.size + 1}`;
    shownIds.set(r.requestId, id);
    return { success: true, message_id: id };
  });

  const waiting = new Map<string, (outcome: InboundOutcome | DroppedOutcome) => void>();
  const runtime = await GatewayRuntime.start({
    config,
    log,
    env: opts.env,
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    transport: { backoff: { initialMs: 100, maxMs: 1_000 } },
    onOutcome: (event, outcome) => {
      const id = event.messageId ?? "";
      waiting.get(id)?.(outcome);
      waiting.delete(id);
    },
  });

  let n = 0;
  const send = async (text: string): Promise<Turn> => {
    const messageId = `dev-${++n}`;
    const event: WireMessageEvent = {
      text,
      message_type: "text",
      message_id: messageId,
      source: {
        platform: "discord",
        chat_id: CHAT_ID,
        chat_type: "dm",
        user_id: "dev-user",
        user_name: "you",
      },
    };
    const before = connector.outbound.length;
    const done = new Promise<InboundOutcome | DroppedOutcome>((resolve) =>
      waiting.set(messageId, resolve),
    );
    connector.pushInbound(event, { gatewayId: GATEWAY_ID });
    const timeoutMs = config.agentTimeoutMs.value + 5_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      done,
      new Promise<InboundOutcome | DroppedOutcome>((resolve) => {
        timer = setTimeout(
          () =>
            resolve({
              kind: "failed",
              code: "DEV_NO_REPLY",
              message: `no reply within ${timeoutMs} ms`,
            }),
          timeoutMs,
        );
      }),
    ]);
    clearTimeout(timer);
    const replies = chatView(
      connector.outbound.slice(before).filter((o) => o.action["chat_id"] === CHAT_ID),
      shownIds,
    );
    return { outcome, replies };
  };

  const show = (turn: Turn): boolean => {
    for (const r of turn.replies) say(`${paint("36", "agent ›")} ${r}`);
    if (turn.outcome.kind === "failed") say(paint("31", `✗ ${turn.outcome.message}`));
    else if (turn.outcome.kind === "denied") say(paint("31", `✗ denied: ${turn.outcome.reason}`));
    else if (turn.outcome.kind === "empty") say(paint("2", "(the agent gave an empty reply)"));
    return turn.outcome.kind === "replied" || turn.outcome.kind === "empty";
  };

  let code = 0;
  try {
    await connector.waitFor("handshake", () => true, 15_000);
    say(
      paint(
        "2",
        `connected: gateway ${GATEWAY_ID} ↔ reference connector ${connector.url} (agent: ${describeAgent(config.agent.value)})`,
      ),
    );
    code = await runTranscript(
      { script: opts.script, input: opts.input, out: opts.out, paint },
      async (text) => show(await send(text)),
    );
  } catch (e) {
    say(paint("31", `✗ ${(e as Error).message}`));
    code = 1;
  } finally {
    await runtime.stop("dev session over");
    await connector.stop();
  }
  return code;
}
