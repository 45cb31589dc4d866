// The turn journal's promise to a kill -9 (README, "What holds"): a restart re-answers at most
// one message per session. The gateway's frames of one event-loop turn leave together at its end
// (coalesceWrites): the journal writes what must precede them first (beforeWrite), and what may
// follow them right after (afterWrite). In-process, so that the journal is read at the very
// moment a batch of replies leaves — the state a kill right after the write would leave, before
// anything the gateway writes later — and so that the replies of each batch are known: the
// link's frames are seen as they are handed to `ws` (WebSocket.prototype.send), and the journal
// is read in the transport's beforeWrite, which runs after the journal's own.
import { readFileSync } from "node:fs";
import { eventually } from "@hermes/vitest-config/eventually";
import { afterEach, expect, it } from "vitest";
import { WebSocket } from "ws";
import { journalPath } from "../src/turns/journal.js";
import { journalledRuntime } from "./support/journalled-runtime.js";

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A journalled runtime whose replies are mapped to the journal as it was when they left: the
 * text of each `send` reply → the journal file's content at that moment.
 */
async function watchedRuntime(gatewayId: string) {
  const leaving: string[] = []; // replies handed to the link since its last batch left
  const heldAtReply = new Map<string, string>();
  let journal = "";
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data: unknown, ...rest: unknown[]) {
    if (typeof data === "string" && data.includes('"outbound"')) {
      const frame = JSON.parse(data) as { type?: string; action?: Record<string, unknown> };
      if (frame.type === "outbound" && frame.action?.["op"] === "send")
        leaving.push(String(frame.action["content"]));
    }
    return (send as (...a: unknown[]) => void).call(this, data, ...rest);
  } as typeof send;
  cleanups.push(() => {
    WebSocket.prototype.send = send;
  });
  const runtime = await journalledRuntime(gatewayId, cleanups, {
    beforeWrite: () => {
      const held = readFileSync(journal, "utf8");
      for (const text of leaving.splice(0)) heldAtReply.set(text, held);
    },
  });
  journal = journalPath(runtime.home, gatewayId);
  const handshake = runtime.connector.waitFor("handshake");
  await runtime.start();
  await handshake;
  return { ...runtime, journal, heldAtReply };
}

/** Keys a restart would run again with this journal content: taken, not finished. */
function rerun(held: string): Set<string> {
  const open = new Set<string>();
  for (const line of held.split("\n")) {
    if (line === "") continue;
    const r = JSON.parse(line) as { a?: string; d?: string };
    if (r.a !== undefined) open.add(r.a);
    if (r.d !== undefined) open.delete(r.d);
  }
  return open;
}

const finished = (key: string, held: string | undefined): boolean =>
  held?.split("\n").includes(`{"d":"${key}"}`) === true;

it("messages queued behind a turn: every reply leaves after the finished records of the turns answered before it", async () => {
  const { connector, heldAtReply } = await watchedRuntime("gw-jo");
  // Four chats, five messages each, all at once: each chat's later messages are queued (and
  // recorded) while its first turn runs; answers and next replies share reads, and replies of
  // several sessions leave in one write.
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

  for (const chat of chats) {
    const [first, ...rest] = texts(chat);
    let previous = first!;
    for (const text of rest) {
      const held = heldAtReply.get(text);
      // The session's earlier turn was answered before this reply was sent: on record by then
      // (this turn is on file, so a kill would run both again otherwise).
      expect(finished(`discord:${chat}:id-${previous}`, held), `${previous} before ${text}`).toBe(
        true,
      );
      // A reply leaves before its own turn is answered (so it is not on record yet).
      expect(finished(`discord:${chat}:id-${text}`, held), `${text} at its own reply`).toBe(false);
      previous = text;
    }
  }
});

it("a conversation whose next message comes with the answer to the last reply: records after the reply, never two messages answered twice", async () => {
  const { connector, journal, heldAtReply } = await watchedRuntime("gw-jc");
  const texts = Array.from({ length: 40 }, (_, i) => `turn-${i}`);
  const key = (text: string) => `discord:C1:id-${text}`;
  // The next message is pushed from the connector's hook for a reply, before its answer: the two
  // frames usually reach the gateway in one read.
  connector.onOutbound((r) => {
    if (r.action.op !== "send") return undefined;
    const next = texts[texts.indexOf(String(r.action["content"])) + 1];
    if (next !== undefined)
      connector.pushInbound({
        text: next,
        message_id: `id-${next}`,
        source: { platform: "discord", chat_id: "C1", chat_type: "dm", user_id: "U1" },
      });
    return undefined;
  });
  connector.pushInbound({
    text: texts[0]!,
    message_id: `id-${texts[0]}`,
    source: { platform: "discord", chat_id: "C1", chat_type: "dm", user_id: "U1" },
  });
  await eventually(() => heldAtReply.has(texts.at(-1)!), "the last reply");

  let followed = 0;
  for (const [i, text] of texts.entries()) {
    const held = heldAtReply.get(text)!;
    // A kill right after this reply left: what the restart runs again that was answered already
    // (this reply and every one before it).
    const again = [...rerun(held)].filter((k) => texts.slice(0, i + 1).some((t) => key(t) === k));
    expect(again.length, `at ${text}: ${again.join(", ")}`).toBeLessThanOrEqual(1);
    // Where the previous answer came in the same read as this message, the previous turn's
    // finished record follows this reply.
    if (i > 0 && !finished(key(texts[i - 1]!), held)) followed++;
  }
  // The case this is about happened (the answers and next messages shared reads).
  expect(followed).toBeGreaterThan(texts.length / 4);
  // And every record is written: a take, then a finish, for each turn.
  await eventually(
    () => texts.every((t) => finished(key(t), readFileSync(journal, "utf8"))),
    "every finished record",
  );
  const lines = readFileSync(journal, "utf8").split("\n");
  for (const text of texts)
    expect(
      lines.some((l) => l.startsWith(`{"a":"${key(text)}"`)),
      `${text}'s take record`,
    ).toBe(true);
});
