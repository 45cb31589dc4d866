// Memory side of the relay-adapter benchmark, run as a child started with --expose-gc so we
// can collect garbage before each reading. Mode "adapter": a RelayAdapter over a
// WebSocketRelayTransport whose message handler counts events. Mode "raw": a bare `ws`
// client that splits lines and JSON.parses them (the reference). The parent drives it:
// `{cmd: "connect", url, botId}`, then `{cmd: "measure", expect}` replies once `expect`
// events were handled, with RSS and heap after a forced GC.
import { setTimeout as sleep } from "node:timers/promises";
import { RelayAdapter, WebSocketRelayTransport } from "@hermes/relay-adapter";
import WebSocket from "ws";

const mode = process.argv[2] ?? "adapter";
let count = 0;
let waiter = null;
const handled = () => {
  count++;
  if (waiter !== null && count >= waiter.expect) {
    const w = waiter;
    waiter = null;
    w.resolve();
  }
};

async function connectAdapter(url, botId) {
  const transport = new WebSocketRelayTransport({
    url,
    gatewayId: "gw-bench",
    secret: "bench-secret-not-checked-by-the-bench-connector",
    identities: [{ platform: "discord", botId }],
  });
  const adapter = new RelayAdapter({ transport });
  adapter.setMessageHandler(handled);
  if (!(await adapter.connect())) throw new Error("RelayAdapter did not connect");
}

async function connectRaw(url, botId) {
  const ws = new WebSocket(`${url}/relay`, { perMessageDeflate: false });
  let partial = "";
  let onDescriptor;
  const descriptor = new Promise((r) => (onDescriptor = r));
  ws.on("message", (data) => {
    const text = partial + data.toString("utf8");
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      const frame = JSON.parse(text.slice(start, nl));
      start = nl + 1;
      if (frame.type === "inbound") handled();
      else if (frame.type === "descriptor") onDescriptor();
    }
    partial = text.slice(start);
  });
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  ws.send(`${JSON.stringify({ type: "hello", platform: "discord", botId })}\n`);
  await descriptor;
}

async function settledMemory() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc?.();
    await sleep(25);
  }
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    gcForced: typeof globalThis.gc === "function",
  };
}

process.on("message", async (msg) => {
  try {
    if (msg.cmd === "connect") {
      await (mode === "raw" ? connectRaw : connectAdapter)(msg.url, msg.botId);
      process.send({ id: msg.id, ok: true });
    } else if (msg.cmd === "measure") {
      if (count < msg.expect)
        await new Promise((resolve) => (waiter = { expect: msg.expect, resolve }));
      process.send({ id: msg.id, ok: true, count, ...(await settledMemory()) });
    }
  } catch (err) {
    process.send({ id: msg.id, ok: false, error: String(err) });
  }
});
process.on("disconnect", () => process.exit(0));
process.on("SIGTERM", () => process.exit(0));
process.send({ ready: { mode } });
