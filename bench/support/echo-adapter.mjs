// The baseline of the gateway benchmark, run as a child process like the gateway itself: a
// bare RelayAdapter over a WebSocketRelayTransport whose message handler sends the text back
// to the same chat (what the echo agent does, without the gateway's authorization, turn
// scheduler, agent and reply splitting). Connection settings arrive in the environment.
import { RelayAdapter, WebSocketRelayTransport } from "@hermes/relay-adapter";

const transport = new WebSocketRelayTransport({
  url: process.env.BENCH_RELAY_URL ?? "",
  gatewayId: process.env.BENCH_RELAY_ID ?? "",
  secret: process.env.BENCH_RELAY_SECRET ?? "",
  identities: [{ platform: "discord", botId: "bench-echo" }],
});
const adapter = new RelayAdapter({ transport, goIdleTimeoutMs: 1_000 });
adapter.setMessageHandler((event) => {
  // Like the gateway, take the message at once and reply without holding the inbound queue.
  void adapter.send(event.source.chat_id, event.text);
});
if (!(await adapter.connect())) {
  console.error("echo adapter: could not connect");
  process.exit(1);
}
process.on("message", (msg) => {
  if (msg.cmd === "ping") process.send({ id: msg.id, ok: true });
});
process.on("SIGTERM", () => adapter.disconnect().then(() => process.exit(0)));
process.on("disconnect", () => process.exit(0));
process.send({ ready: { pid: process.pid } });
