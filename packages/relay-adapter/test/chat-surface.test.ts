// The ReferenceConnector's ChatSurface over loopback: what a RelayAdapter sends becomes what a
// chat user sees (edits applied, media, prompts with buttons, typing, reactions), and only
// what the connector answered with success counts.
import { afterEach, describe, expect, it } from "vitest";
import { RelayAdapter, WebSocketRelayTransport } from "../src/index.js";
import { promptAnswer, ReferenceConnector } from "../src/testing/index.js";

const SECRET = "chat-surface-test-secret";
const GW = "gw-chat";
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function linked() {
  const c = await new ReferenceConnector({ gateways: { [GW]: [SECRET] } }).start();
  cleanups.push(() => c.stop());
  const t = new WebSocketRelayTransport({
    url: c.baseUrl,
    gatewayId: GW,
    secret: SECRET,
    identities: [{ platform: "discord", botId: "b1" }],
  });
  const adapter = new RelayAdapter({ transport: t });
  cleanups.push(() => adapter.disconnect({ budgetMs: 500 }));
  expect(await adapter.connect()).toBe(true);
  return { c, adapter };
}

describe("ChatSurface", () => {
  it("applies edits to the message they name and keeps every version in order", async () => {
    const { c, adapter } = await linked();
    const sent = await adapter.send("C1", "Hel");
    await adapter.sendAction("edit", {
      chat_id: "C1",
      message_id: sent.messageId,
      content: "Hello",
    });
    await adapter.sendAction("edit", {
      chat_id: "C1",
      message_id: "not-a-message",
      content: "ignored",
    });
    await adapter.send("C2", "elsewhere");
    expect(c.chat.transcript("C1")).toEqual(["Hello"]);
    expect(c.chat.inChat("C1")[0]).toMatchObject({
      op: "send",
      messageId: sent.messageId,
      versions: ["Hel", "Hello"],
    });
    expect(c.chat.transcript("C2")).toEqual(["elsewhere"]);
  });

  it("records media, prompts, typing and reactions; a refused op shows nothing", async () => {
    const { c, adapter } = await linked();
    c.onOutbound((r) =>
      r.action["content"] === "refused" ? { success: false, error: "egress_declined" } : undefined,
    );
    await adapter.sendAction("send_media", {
      chat_id: "C1",
      media_kind: "image",
      source_url: `${c.baseUrl}/relay/media/x`,
      content: "cap",
    });
    await adapter.sendAction("prompt", {
      chat_id: "C1",
      prompt_kind: "choice",
      prompt_id: "p1",
      content: "Pick",
      options: [{ id: "a", label: "A" }],
    });
    await adapter.sendAction("typing", { chat_id: "C1" });
    await adapter.sendAction("react", { chat_id: "C1", message_id: "u1", emoji: "👀" });
    await adapter.sendAction("react", {
      chat_id: "C1",
      message_id: "u1",
      emoji: "👀",
      remove: true,
    });
    await adapter.send("C1", "refused");
    const [media, prompt] = c.chat.inChat("C1");
    expect(media).toMatchObject({ op: "send_media", mediaKind: "image", content: "cap" });
    expect(prompt).toMatchObject({
      op: "prompt",
      promptId: "p1",
      options: [{ id: "a", label: "A" }],
    });
    expect(c.chat.inChat("C1")).toHaveLength(2);
    expect(c.chat.activity.map((a) => [a.op, a.emoji ?? null, a.remove ?? null])).toEqual([
      ["typing", null, null],
      ["react", "👀", false],
      ["react", "👀", true],
    ]);
    expect(
      promptAnswer(prompt!, "a", { platform: "discord", chat_id: "C1", chat_type: "dm" }),
    ).toMatchObject({
      text: "/a",
      message_type: "command",
      prompt_response: {
        prompt_id: "p1",
        option_id: "a",
        label: "A",
        prompt_message_id: prompt!.messageId,
      },
    });
  });
});
