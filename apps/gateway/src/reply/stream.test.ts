import { describe, expect, it } from "vitest";
import { fakeChat, type FakeChatOptions } from "../../test/support/fake-chat.js";
import { DrainAbortError } from "../turns/scheduler.js";
import type { PendingPrompt } from "./prompts.js";
import { ReplyStream } from "./stream.js";

/** A manual clock: timers fire only when the test advances time. */
function manualTime() {
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => void (timers = timers.filter((x) => x !== t));
    },
    /** Advance to each due timer in order, letting the queue run between them. */
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        await new Promise((r) => setImmediate(r));
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = end;
      await new Promise((r) => setImmediate(r));
    },
  };
}

function stream(
  chatOpts: FakeChatOptions,
  time = manualTime(),
  signal = new AbortController().signal,
  prompts: PendingPrompt[] = [],
) {
  const chat = fakeChat(chatOpts);
  const s = new ReplyStream({
    out: chat.out,
    signal,
    now: time.now,
    setTimer: time.setTimer,
    editIntervalMs: 1000,
    onPrompt: (p) => prompts.push(p),
  });
  return { s, chat, time, prompts };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("ReplyStream: streaming by edits", () => {
  it("sends the first delta at once, then edits at most once per interval, and ends with the whole text", async () => {
    const { s, chat, time } = stream({ streaming: true });
    s.push({ type: "delta", text: "Hel" });
    await settle();
    expect(chat.ops).toEqual([{ op: "send", fields: { content: "Hel" } }]);
    for (const t of ["lo", ",", " wor"]) s.push({ type: "delta", text: t });
    await settle();
    expect(chat.ops).toHaveLength(1); // within the interval: nothing yet
    await time.advance(1000);
    expect(chat.ops[1]).toEqual({
      op: "edit",
      fields: { message_id: "m1", content: "Hello, wor" },
    });
    s.push({ type: "delta", text: "ld" });
    const done = s.finish();
    await time.advance(1000);
    expect(await done).toEqual({ messages: 1, edits: 2 });
    expect(chat.ops.map((o) => o.fields["content"])).toEqual(["Hel", "Hello, wor", "Hello, world"]);
  });

  it("200 deltas over 10 s make at most one edit per second", async () => {
    const time = manualTime();
    const { s, chat } = stream({ streaming: true }, time);
    for (let i = 0; i < 200; i++) {
      s.push({ type: "delta", text: `w${i} ` });
      await time.advance(50);
    }
    const done = s.finish();
    await time.advance(1000);
    await done;
    const edits = chat.ops.filter((o) => o.op === "edit");
    expect(edits.length).toBeLessThanOrEqual(11);
    expect(edits.length).toBeGreaterThanOrEqual(9);
    expect(chat.ops.at(-1)?.fields["content"]).toBe(
      Array.from({ length: 200 }, (_, i) => `w${i} `).join(""),
    );
  });

  it("a message starts at the first visible text", async () => {
    const { s, chat, time } = stream({ streaming: true });
    s.push({ type: "delta", text: "\n " });
    await settle();
    expect(chat.ops).toEqual([]);
    s.push({ type: "delta", text: "Hi" });
    await settle();
    expect(chat.ops).toEqual([{ op: "send", fields: { content: "\n Hi" } }]);
    const done = s.finish();
    await time.advance(1000);
    expect(await done).toEqual({ messages: 1, edits: 0 });
  });

  it("text over the limit finishes the message and continues in a new one", async () => {
    const { s, chat, time } = stream({ streaming: true, maxMessageLength: 100 });
    s.push({ type: "delta", text: "a".repeat(60) });
    await settle();
    s.push({ type: "delta", text: " " + "b".repeat(60) });
    await time.advance(1000);
    const done = s.finish();
    await time.advance(1000);
    expect(await done).toEqual({ messages: 2, edits: 1 });
    expect(chat.ops.map((o) => [o.op, o.fields["content"]])).toEqual([
      ["send", "a".repeat(60)],
      ["edit", "a".repeat(60) + " "],
      ["send", "b".repeat(60)],
    ]);
  });

  it("a failed intermediate edit is retried by the next one; a failed final edit fails the turn", async () => {
    const { s, chat, time } = stream({
      streaming: true,
      answer: (op) => (op === "edit" ? { success: false, error: "rate limited" } : undefined),
    });
    s.push({ type: "delta", text: "a" });
    await settle();
    s.push({ type: "delta", text: "b" });
    await time.advance(1000);
    s.push({ type: "delta", text: "c" });
    const done = s.finish().catch((e: unknown) => e);
    await time.advance(1000);
    expect(await done).toMatchObject({ code: "GATEWAY_SEND_FAILED" });
    expect(chat.ops.map((o) => [o.op, o.fields["content"]])).toEqual([
      ["send", "a"],
      ["edit", "ab"],
      ["edit", "abc"],
    ]);
  });

  it("a declined intermediate edit ends the turn as declined: no later edit, no send", async () => {
    const declined = {
      success: false,
      code: "egress_declined",
      error: "discord egress declined: x",
    };
    const { s, chat, time } = stream({
      streaming: true,
      answer: (op) => (op === "edit" ? declined : undefined),
    });
    s.push({ type: "delta", text: "a" });
    await settle();
    s.push({ type: "delta", text: "b" });
    await time.advance(1000);
    s.push({ type: "delta", text: "c" });
    s.push({ type: "message", text: "more" });
    const done = s.finish().catch((e: unknown) => e);
    await time.advance(5000);
    expect(await done).toMatchObject({ code: "GATEWAY_REPLY_DECLINED" });
    expect(chat.ops.map((o) => [o.op, o.fields["content"]])).toEqual([
      ["send", "a"],
      ["edit", "ab"],
    ]);
  });

  it("a connector that gives no message id gets no edits: the rest is sent whole", async () => {
    const { s, chat, time } = stream({
      streaming: true,
      answer: (op) => (op === "send" ? { success: true } : undefined),
    });
    s.push({ type: "delta", text: "first " });
    await settle();
    s.push({ type: "delta", text: "second" });
    const done = s.finish();
    await time.advance(1000);
    await done;
    expect(chat.ops.map((o) => [o.op, o.fields["content"]])).toEqual([
      ["send", "first "],
      ["send", "second"],
    ]);
  });
});

describe("ReplyStream: whole replies, media, prompts", () => {
  it("without streaming, deltas are sent once complete, split at the limit; a message finishes the text before it", async () => {
    const { s, chat } = stream({ streaming: false, maxMessageLength: 100 });
    s.push({ type: "delta", text: "x".repeat(150) });
    s.push({ type: "message", text: "second" });
    s.push({ type: "delta", text: "third" });
    expect(await s.finish()).toEqual({ messages: 4, edits: 0 });
    expect(chat.texts()).toEqual(["x".repeat(100), "x".repeat(50), "second", "third"]);
  });

  it("media is uploaded and sent with its kind; without send_media its caption goes out as text", async () => {
    const { s, chat } = stream({});
    s.push({ type: "media", path: "/tmp/voice.ogg", kind: "voice", caption: "listen" });
    await s.finish();
    expect(chat.ops[0]).toMatchObject({
      op: "send_media",
      fields: { media_kind: "voice", content: "listen", filename: "voice.ogg" },
    });
    expect(String(chat.ops[0]?.fields["source_url"])).toContain("/relay/media/");
    const plain = stream({ ops: ["send"] });
    plain.s.push({ type: "media", path: "/tmp/a.png", kind: "image", caption: "a chart" });
    plain.s.push({ type: "media", path: "/tmp/b.png", kind: "image" });
    expect(await plain.s.finish()).toEqual({ messages: 1, edits: 0 });
    expect(plain.chat.texts()).toEqual(["a chart"]);
  });

  it("a refused send_media fails the turn and is not re-sent as text", async () => {
    const { s, chat } = stream({
      answer: (op) =>
        op === "send_media" ? { success: false, error: "egress_declined" } : undefined,
    });
    s.push({ type: "media", path: "/tmp/a.png", kind: "image", caption: "c" });
    await expect(s.finish()).rejects.toMatchObject({ code: "GATEWAY_SEND_FAILED" });
    expect(chat.texts()).toEqual([]);
  });

  it("a declined send_media or prompt ends the turn as declined, with no text fallback", async () => {
    const declined = {
      success: false,
      code: "egress_declined",
      error: "telegram egress declined: x",
    };
    for (const event of [
      { type: "media", path: "/tmp/a.png", kind: "image", caption: "c" },
      { type: "prompt", prompt_id: "p1", content: "pick", options: [{ id: "y", label: "Yes" }] },
    ] as const) {
      const prompts: PendingPrompt[] = [];
      const { s, chat } = stream(
        { answer: (op) => (op === "send" ? undefined : declined) },
        manualTime(),
        new AbortController().signal,
        prompts,
      );
      s.push(event);
      s.push({ type: "message", text: "after" });
      await expect(s.finish()).rejects.toMatchObject({ code: "GATEWAY_REPLY_DECLINED" });
      expect(chat.texts()).toEqual([]);
      expect(prompts).toEqual([]);
    }
  });

  it("a prompt goes out as buttons where supported, else as numbered text; both are recorded", async () => {
    const options = [
      { id: "y", label: "Yes" },
      { id: "n", label: "No" },
    ];
    const buttons = stream({});
    buttons.s.push({ type: "prompt", prompt_id: "p1", content: "Deploy?", options });
    await buttons.s.finish();
    expect(buttons.chat.ops[0]).toEqual({
      op: "prompt",
      fields: { prompt_kind: "choice", prompt_id: "p1", content: "Deploy?", options },
    });
    expect(buttons.prompts).toEqual([{ promptId: "p1", options, messageId: "m1", asText: false }]);
    const text = stream({ ops: ["send"] });
    text.s.push({ type: "prompt", prompt_id: "p1", content: "Deploy?", options });
    await text.s.finish();
    expect(text.chat.texts()).toEqual(["Deploy?\n\n1. Yes\n2. No\n\nReply with a number."]);
    expect(text.prompts).toEqual([{ promptId: "p1", options, messageId: "m1", asText: true }]);
  });

  it("an interrupted turn stops sending; one cut off by the drain budget throws DrainAbortError", async () => {
    const ac = new AbortController();
    const { s, chat } = stream({}, manualTime(), ac.signal);
    ac.abort();
    s.push({ type: "message", text: "late" });
    expect(await s.finish()).toEqual({ messages: 0, edits: 0 });
    expect(chat.ops).toEqual([]);
    const drain = new AbortController();
    const d = stream({}, manualTime(), drain.signal);
    drain.abort(new DrainAbortError());
    d.s.push({ type: "message", text: "late" });
    await expect(d.s.finish()).rejects.toBeInstanceOf(DrainAbortError);
  });
});
