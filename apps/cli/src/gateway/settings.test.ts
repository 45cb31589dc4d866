import { describe, expect, it } from "vitest";
import { connectorBaseUrl, enrollUrl } from "./settings.js";

describe("connectorBaseUrl", () => {
  it.each([
    ["wss://relay.example.com/relay", "https://relay.example.com/"],
    ["ws://127.0.0.1:8080/relay/", "http://127.0.0.1:8080/"],
    ["https://relay.example.com/", "https://relay.example.com/"],
    ["https://relay.example.com/base/relay", "https://relay.example.com/base"],
    ["  http://h:1  ", "http://h:1/"],
  ])("%s → %s", (raw, want) => {
    expect(connectorBaseUrl(raw)?.href).toBe(want);
  });

  it.each(["ftp://x", "not a url", "https://user:pw@h/", "https://h/?q=1", ""])(
    "rejects %j",
    (raw) => {
      expect(connectorBaseUrl(raw)).toBeUndefined();
    },
  );

  it("builds /relay/enroll under the base path", () => {
    expect(enrollUrl(connectorBaseUrl("wss://h/relay")!).href).toBe("https://h/relay/enroll");
    expect(enrollUrl(connectorBaseUrl("https://h/base/")!).href).toBe(
      "https://h/base/relay/enroll",
    );
  });
});
