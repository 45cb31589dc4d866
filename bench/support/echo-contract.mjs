// A floor for the gateway benchmark: the bare RelayAdapter echo of echo-adapter.mjs plus only
// what the gateway's no-loss/no-double-answer contract itself requires on the reply path (its
// README, "No loss, no double answer"): a chat's replies leave one at a time, each once the
// connector has answered the previous one, and one write(2) to an append-only file before each
// reply leaves (the previous turn's "finished" record and this turn's "taken" one, together).
// No authorization, dedup table, scheduler, agent, reply splitting, metrics or compaction: what
// the gateway costs beyond this is its own code. Connection settings arrive in the environment.
import { mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RelayAdapter, WebSocketRelayTransport } from "@hermes/relay-adapter";

const dir = mkdtempSync(join(tmpdir(), "hermes-bench-floor-"));
const fd = openSync(join(dir, "records.jsonl"), "a", 0o600);
const transport = new WebSocketRelayTransport({
  url: process.env.BENCH_RELAY_URL ?? "",
  gatewayId: process.env.BENCH_RELAY_ID ?? "",
  secret: process.env.BENCH_RELAY_SECRET ?? "",
  identities: [{ platform: "discord", botId: "bench-echo" }],
});
const adapter = new RelayAdapter({ transport, goIdleTimeoutMs: 1_000 });
/** Per chat: the last reply's settlement and its record key. */
const chats = new Map();
adapter.setMessageHandler((event) => {
  const chat = event.source.chat_id;
  const key = `${event.source.platform}:${chat}:${event.messageId ?? ""}`;
  const previous = chats.get(chat);
  const reply = () => {
    const finished = previous === undefined ? "" : `{"d":${JSON.stringify(previous.key)}}\n`;
    writeSync(fd, `${finished}{"a":${JSON.stringify(key)}}\n`);
    return adapter.send(chat, event.text);
  };
  chats.set(chat, {
    key,
    settled: previous === undefined ? reply() : previous.settled.then(reply, reply),
  });
});
if (!(await adapter.connect())) {
  console.error("echo-contract: could not connect");
  process.exit(1);
}
process.on("message", (msg) => {
  if (msg.cmd === "ping") process.send({ id: msg.id, ok: true });
});
const stop = () => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGTERM", () => adapter.disconnect().then(stop));
process.on("disconnect", stop);
process.send({ ready: { pid: process.pid } });
