// A minimal relay connector for benchmarks, run as a child process (its own event loop and
// core): a raw `ws` server on 127.0.0.1:0 at /relay that answers every `hello` with a
// descriptor and every `outbound` with an `outbound_result`, newline-framed (docs/contract/relay.md#framing). The
// parent drives it over IPC: `{cmd: "push", botId, n}` sends n `inbound` frames to the socket
// that said hello as botId, one frame per WebSocket message, with backpressure.
// It does no upgrade auth: the transport's token minting still runs, the check is not what
// these benchmarks measure.
import { WebSocketServer } from "ws";

const DESCRIPTOR_LINE = `${JSON.stringify({
  type: "descriptor",
  descriptor: {
    contract_version: 1,
    platform: "discord",
    label: "Discord",
    max_message_length: 2000,
    markdown_dialect: "discord",
    len_unit: "chars",
    supported_ops: ["send", "edit", "typing", "get_chat_info"],
  },
})}\n`;

/** A realistic inbound MessageEvent (docs/contract/relay.md#inbound-events) as the connector would send it. */
const INBOUND_LINE = `${JSON.stringify({
  type: "inbound",
  event: {
    text: "hey hermes, can you summarise the thread above?",
    message_type: "text",
    message_id: "1300000000000000001",
    source: {
      platform: "discord",
      chat_id: "1200000000000000002",
      chat_type: "group",
      chat_name: "general",
      user_id: "1100000000000000003",
      user_name: "ada",
      user_display_name: "Ada",
      guild_id: "1000000000000000004",
    },
  },
})}\n`;

const wss = new WebSocketServer({
  host: "127.0.0.1",
  port: 0,
  path: "/relay",
  perMessageDeflate: false,
  maxPayload: 32 * 1024 * 1024,
});
/** botId → the socket that said hello with it. */
const sockets = new Map();

wss.on("connection", (ws) => {
  let partial = "";
  ws.on("message", (data) => {
    const text = partial + data.toString("utf8");
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line === "") continue;
      let frame;
      try {
        frame = JSON.parse(line);
      } catch {
        continue;
      }
      if (frame.type === "outbound") {
        ws.send(
          `{"type":"outbound_result","requestId":${JSON.stringify(frame.requestId)},"result":{"success":true,"message_id":"1300000000000000009"}}\n`,
        );
      } else if (frame.type === "hello") {
        sockets.set(frame.botId, ws);
        ws.send(DESCRIPTOR_LINE);
      }
    }
    partial = text.slice(start);
  });
  ws.on("error", () => undefined);
});

const inbound = Buffer.from(INBOUND_LINE);

/** Send n inbound frames; every 256 frames wait until the socket took them (bounded memory). */
async function push(ws, n) {
  for (let i = 0; i < n; i++) {
    if ((i & 255) === 255 || i === n - 1) {
      await new Promise((resolve, reject) =>
        ws.send(inbound, { binary: false }, (err) => (err ? reject(err) : resolve())),
      );
    } else {
      ws.send(inbound, { binary: false });
    }
  }
}

process.on("message", async (msg) => {
  try {
    if (msg.cmd === "push") {
      const ws = sockets.get(msg.botId);
      if (ws === undefined) throw new Error(`no socket said hello as ${msg.botId}`);
      await push(ws, msg.n);
      process.send({ id: msg.id, ok: true });
    }
  } catch (err) {
    process.send({ id: msg.id, ok: false, error: String(err) });
  }
});
process.on("SIGTERM", () => {
  for (const c of wss.clients) c.terminate();
  wss.close(() => process.exit(0));
});
process.on("disconnect", () => process.exit(0));

wss.on("listening", () => {
  process.send({ ready: { url: `ws://127.0.0.1:${wss.address().port}` } });
});
