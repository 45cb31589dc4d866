// The turn journal's promise to a kill -9 (README, "What holds"): a turn's finished record is
// on disk before its session's next reply leaves, so a restart re-answers at most one message
// per session. The gateway's frames of one event-loop turn leave together at its end
// (coalesceWrites), after the journal wrote what waits (beforeWrite). In-process, so that the
// connector reads the journal in the very next poll after a reply's bytes left — before any
// record the gateway would write later (the process test in daemon.test.ts races the bin).
import { readFileSync } from "node:fs";
import { eventually } from "@hermes/vitest-config/eventually";
import { afterEach, expect, it } from "vitest";
import { journalPath } from "../src/turns/journal.js";
import { journalledRuntime } from "./support/journalled-runtime.js";

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it("every reply leaves after the finished records of the turns answered before it", async () => {
  const { connector, home, start } = await journalledRuntime("gw-jo", cleanups);
  const journal = journalPath(home, "gw-jo");
  // The journal as it was when each reply reached the connector.
  const heldAtReply = new Map<string, string>();
  connector.onOutbound((r) => {
    if (r.action.op === "send")
      heldAtReply.set(String(r.action["content"]), readFileSync(journal, "utf8"));
    return undefined;
  });
  const handshake = connector.waitFor("handshake");
  await start();
  await handshake;

  // Four chats, five messages each, all at once: answers and next messages share reads, and
  // replies of several sessions leave in one write.
  const chats = ["C1", "C2", "C3", "C4"];
  const texts = (chat: string) => [1, 2, 3, 4, 5].map((i) => `${chat}-m${i}`);
  for (const chat of chats)
    for (const text of texts(chat))
      connector.pushInbound({
        text,
        message_id: `id-${text}`,
        source: { platform: "discord", chat_id: chat, chat_type: "dm", user_id: "U1" },
      });
  const last = chats.map((c) => `${c}-m5`);
  await eventually(() => last.every((t) => heldAtReply.has(t)), "every chat's last reply");

  const finished = (chat: string, text: string, held: string | undefined): boolean =>
    held?.split("\n").includes(`{"d":"discord:${chat}:id-${text}"}`) === true;
  for (const chat of chats) {
    const [first, ...rest] = texts(chat);
    let previous = first!;
    for (const text of rest) {
      // The session's earlier turn was answered before this reply was sent: on record by then.
      expect(finished(chat, previous, heldAtReply.get(text)), `${previous} before ${text}`).toBe(
        true,
      );
      // A reply leaves before its own turn is answered (so it is not on record yet).
      expect(finished(chat, text, heldAtReply.get(text)), `${text} at its own reply`).toBe(false);
      previous = text;
    }
  }
});
