import { describe, expect, it } from "vitest";
import { PromptBook } from "./prompts.js";

const options = [
  { id: "a", label: "Apples" },
  { id: "b", label: "Pears" },
];
const noAnswer = (text: string) => ({ text, promptResponse: null });

describe("PromptBook", () => {
  it("reads a typed number or label as the answer to a text prompt, once", () => {
    const book = new PromptBook();
    book.ask("s1", { promptId: "p", options, messageId: "m9", asText: true });
    expect(book.answer("s1", noAnswer(" pears "))).toEqual({
      promptId: "p",
      optionId: "b",
      label: "Pears",
      promptMessageId: "m9",
    });
    expect(book.answer("s1", noAnswer("1"))).toBeNull();
    book.ask("s1", { promptId: "p", options, messageId: null, asText: true });
    expect(book.answer("s1", noAnswer("1"))).toMatchObject({ optionId: "a" });
    book.ask("s1", { promptId: "p", options, messageId: null, asText: true });
    expect(book.answer("s1", noAnswer("3"))).toBeNull(); // not an option: the user moved on
    expect(book.size).toBe(0);
  });

  it("passes a button answer through, completing its label; a button prompt is not answered by text", () => {
    const book = new PromptBook();
    book.ask("s", { promptId: "p", options, messageId: "m1", asText: false });
    expect(book.answer("s", noAnswer("1"))).toBeNull();
    book.ask("s", { promptId: "p", options, messageId: "m1", asText: false });
    const press = { promptId: "p", optionId: "a", label: null, promptMessageId: "m1" };
    expect(book.answer("s", { text: "/a", promptResponse: press })).toEqual({
      ...press,
      label: "Apples",
    });
    expect(book.answer("other", { text: "/a", promptResponse: press })).toBe(press);
  });

  it("is bounded by sessions and forgets prompts after the TTL", () => {
    let now = 0;
    const book = new PromptBook({ maxSessions: 2, ttlMs: 1000, now: () => now });
    for (const s of ["s1", "s2", "s3"])
      book.ask(s, { promptId: "p", options, messageId: null, asText: true });
    expect(book.size).toBe(2);
    expect(book.answer("s1", noAnswer("1"))).toBeNull();
    now = 1001;
    expect(book.answer("s2", noAnswer("1"))).toBeNull();
  });
});

describe("PromptBook: prompt ids on the wire", () => {
  it("prefixes the agent's id with this gateway's owner segment and maps the press back", () => {
    const book = new PromptBook({ owner: "0a1b2c3d" });
    expect(book.wireId("deploy")).toBe("0a1b2c3d.deploy");
    book.ask("s", { promptId: "deploy", options, messageId: "m1", asText: false });
    const press = {
      promptId: "0a1b2c3d.deploy",
      optionId: "a",
      label: null,
      promptMessageId: "m1",
    };
    expect(book.answer("s", { text: "/a", promptResponse: press })).toEqual({
      promptId: "deploy",
      optionId: "a",
      label: "Apples",
      promptMessageId: "m1",
    });
    // Stateless for ids that fit: a press after a restart still names the agent's id.
    expect(
      new PromptBook({ owner: "0a1b2c3d" }).answer("s", { text: "/a", promptResponse: press }),
    ).toMatchObject({ promptId: "deploy" });
  });

  it("an agent id too long to prefix gets a minted wire id (codec alphabet, ≤ 32), mapped back while remembered", () => {
    const book = new PromptBook({ owner: "0a1b2c3d" });
    const long = "x".repeat(32);
    const wire = book.wireId(long);
    expect(wire).toMatch(/^0a1b2c3d\.[\w.-]{1,23}$/);
    book.ask("s", { promptId: long, options, messageId: "m1", asText: false });
    const press = { promptId: wire, optionId: "b", label: null, promptMessageId: "m1" };
    expect(book.answer("s", { text: "/b", promptResponse: press })).toMatchObject({
      promptId: long,
      label: "Pears",
    });
  });

  it("a press on a prompt another gateway minted is foreign; ours and pre-owner ids are not", () => {
    const book = new PromptBook({ owner: "0a1b2c3d" });
    expect(book.isForeign("ffffffff.deploy")).toBe(true);
    expect(book.isForeign("0a1b2c3d.deploy")).toBe(false);
    expect(book.isForeign("deploy")).toBe(false);
  });
});
