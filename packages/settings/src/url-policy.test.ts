import { isIPv4 } from "node:net";
import { describe, expect, it } from "vitest";
import { createSecretScrubber } from "./scrub.js";
import { checkUrl, displayUrl, isLoopbackHost } from "./url-policy.js";

describe("isLoopbackHost: literally 127.0.0.0/8, ::1 and localhost", () => {
  it.each([
    "127.0.0.1",
    "127.255.3.4",
    "localhost",
    "LOCALHOST",
    "::1",
    "[::1]",
    "0:0:0:0:0:0:0:1",
  ])("%s is loopback", (h) => {
    expect(isLoopbackHost(h)).toBe(true);
  });
  it.each([
    "api.localhost",
    "localhost.example.com",
    "128.0.0.1",
    "10.0.0.1",
    "::ffff:127.0.0.1",
    "[::2]",
    "127.0.0.1.nip.io",
    "example.com",
    "",
  ])("%s is not", (h) => expect(isLoopbackHost(h)).toBe(false));
  it.each([
    "127.0.0.01",
    "127.00.0.1",
    "127.0.0.256",
    "127.0.0.255",
    "127.0.0",
    "127.0.0.1.",
    "127.0.0.1 ",
    "127..0.1",
    "127.0.0.+1",
    "127.0.0.1e0",
    "127.1",
  ])("%s: the dotted-quad test agrees with net.isIPv4", (h) =>
    expect(isLoopbackHost(h)).toBe(isIPv4(h) && h.startsWith("127.")),
  );
});

describe("checkUrl", () => {
  const policy = {
    schemes: ["wss:", "ws:", "https:", "http:"],
    allowInsecure: false,
    insecureOverride: "set X=1",
  };
  it.each([
    "wss://relay.example.com",
    "https://relay.example.com",
    "ws://127.0.0.1:9",
    "http://localhost:8080/x",
    "ws://[::1]:9/relay",
  ])("accepts %s", (u) => expect(checkUrl(u, policy).ok).toBe(true));
  it.each([
    ["ws://relay.example.com", "insecure"],
    ["http://api.localhost", "insecure"],
    ["http://[::ffff:127.0.0.1]/", "insecure"],
    ["wss://u:p@relay.example.com", "userinfo"],
    ["wss://u@relay.example.com", "userinfo"],
    ["http://u:p@127.0.0.1", "userinfo"],
    ["ftp://x", "scheme"],
    ["nope", "invalid"],
  ])("refuses %s (%s)", (u, reason) => {
    const r = checkUrl(u, policy);
    expect(r.ok ? null : r.reason).toBe(reason);
  });
  it("the explicit allowance admits plain ws/http to any host, never userinfo", () => {
    const allow = { ...policy, allowInsecure: true };
    expect(checkUrl("ws://relay.example.com", allow).ok).toBe(true);
    expect(checkUrl("ws://u:p@relay.example.com", allow).ok).toBe(false);
  });
});

describe("displayUrl", () => {
  it("masks userinfo, query and fragment; does not echo an invalid URL", () => {
    expect(displayUrl("wss://bob:pw@h:1/relay?t=x#f")).toBe(
      "wss://<hidden>@h:1/relay?<hidden>#<hidden>",
    );
    expect(displayUrl("https://h/")).toBe("https://h");
    expect(displayUrl("not a url with secret")).toBe("<invalid URL>");
  });
});

describe("createSecretScrubber", () => {
  it("hides each secret, raw and JSON-escaped, longest first; ignores values under 4 characters", () => {
    const scrub = createSecretScrubber(["abcd", "abcdef", 'q"uote', "ab"]);
    expect(scrub("x abcdef y abcd z ab")).toBe("x <hidden> y <hidden> z ab");
    expect(scrub(JSON.stringify({ m: 'q"uote' }))).toBe('{"m":"<hidden>"}');
    expect(createSecretScrubber([])("same")).toBe("same");
  });
});
