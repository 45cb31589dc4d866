import { describe, expect, it } from "vitest";
import { InvalidRelayUrlError, relayDialUrl, relayHttpBase } from "./urls.js";

describe("relayDialUrl", () => {
  it.each([
    ["https://c.example.com", "wss://c.example.com/relay"],
    ["https://c.example.com/", "wss://c.example.com/relay"],
    ["http://127.0.0.1:8080", "ws://127.0.0.1:8080/relay"],
    ["wss://c.example.com/relay", "wss://c.example.com/relay"],
    ["wss://c.example.com/relay/", "wss://c.example.com/relay"],
    ["ws://c.example.com/base", "ws://c.example.com/base/relay"],
  ])("%s → %s, idempotently", (input, expected) => {
    expect(relayDialUrl(input)).toBe(expected);
    expect(relayDialUrl(relayDialUrl(input))).toBe(expected);
  });
});

describe("relayHttpBase", () => {
  it.each([
    ["wss://c.example.com/relay", "https://c.example.com"],
    ["ws://127.0.0.1:8080/relay/", "http://127.0.0.1:8080"],
    ["https://c.example.com/", "https://c.example.com"],
    ["wss://c.example.com/base/relay", "https://c.example.com/base"],
  ])("%s → %s, idempotently", (input, expected) => {
    expect(relayHttpBase(input)).toBe(expected);
    expect(relayHttpBase(relayHttpBase(input))).toBe(expected);
  });
});

describe("bad relay URLs", () => {
  it.each([
    "",
    "  ",
    "c.example.com",
    "ftp://c.example.com",
    "wss://user:pw@c.example.com",
    "wss://c.example.com/relay?token=abc",
  ])("rejects %j with a typed error that does not echo credentials", (url) => {
    for (const fn of [relayDialUrl, relayHttpBase]) {
      let err: unknown;
      try {
        fn(url);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidRelayUrlError);
      expect((err as InvalidRelayUrlError).code).toBe("RELAY_URL_INVALID");
      expect((err as Error).message).not.toContain("pw");
      expect((err as Error).message).not.toContain("abc");
    }
  });
});
