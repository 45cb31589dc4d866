// A floor for the gateway benchmark: the bare RelayAdapter echo of echo-adapter.mjs plus only
// what the gateway's no-loss/no-double-answer contract itself requires on the reply path (its
// README, "No loss, no double answer"): a chat's replies leave one at a time, each once the
// connector has answered the previous one, and one write(2) to an append-only file per reply —
// the previous turn's "finished" record and this turn's "taken" one, together — right after the
// reply's frame left (where the next message arrives with the answer to the last reply, as in
// this bench, the gateway may write them after the reply: a kill in between re-answers no more).
// No authorization, dedup table, scheduler, agent, reply splitting, metrics or compaction: what
// the gateway costs beyond this is its own code. Connection settings arrive in the environment.
import { mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { echoAdapter, serve } from "./echo-child.mjs";

const dir = mkdtempSync(join(tmpdir(), "hermes-bench-floor-"));
const fd = openSync(join(dir, "records.jsonl"), "a", 0o600);
/** The records of the reply being sent, written once its frame left. */
let records = "";
const adapter = echoAdapter({
  afterWrite: () => {
    if (records === "") return;
    writeSync(fd, records);
    records = "";
  },
});
/** Per chat: the last reply's settlement and its record key. */
const chats = new Map();
adapter.setMessageHandler((event) => {
  const chat = event.source.chat_id;
  const key = `${event.source.platform}:${chat}:${event.messageId ?? ""}`;
  const previous = chats.get(chat);
  const reply = () => {
    const finished = previous === undefined ? "" : `{"d":${JSON.stringify(previous.key)}}\n`;
    records += `${finished}{"a":${JSON.stringify(key)}}\n`;
    return adapter.send(chat, event.text);
  };
  chats.set(chat, {
    key,
    settled: previous === undefined ? reply() : previous.settled.then(reply, reply),
  });
});
await serve(adapter, "echo-contract", () => rmSync(dir, { recursive: true, force: true }));
