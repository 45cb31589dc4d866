import { describe, expect, it } from "vitest";
import { connectorBaseUrl, defaultGatewayId, enrollUrl, relaySetting } from "./settings.js";

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

  it.each(["ftp://x", "not a url", "https://user:pw@h/", "https://h/?q=1", ""])("rejects %j", (raw) => {
    expect(connectorBaseUrl(raw)).toBeUndefined();
  });

  it("builds /relay/enroll under the base path", () => {
    expect(enrollUrl(connectorBaseUrl("wss://h/relay")!).href).toBe("https://h/relay/enroll");
    expect(enrollUrl(connectorBaseUrl("https://h/base/")!).href).toBe("https://h/base/relay/enroll");
  });
});

describe("settings", () => {
  it("defaults the gateway id to gw-<hostname>, else gw-hermes", () => {
    expect(defaultGatewayId("box")).toBe("gw-box");
    expect(defaultGatewayId("  ")).toBe("gw-hermes");
  });

  it("takes env over .env over config.yaml", () => {
    const config = { gateway: { relay_url: "wss://from-config" } };
    const dotenv = new Map([["GATEWAY_RELAY_URL", "wss://from-dotenv"]]);
    expect(relaySetting({ env: { GATEWAY_RELAY_URL: "wss://from-env" }, dotenv, config }, "GATEWAY_RELAY_URL", "relay_url")).toEqual({
      value: "wss://from-env",
      source: "env",
    });
    expect(relaySetting({ env: { GATEWAY_RELAY_URL: " " }, dotenv, config }, "GATEWAY_RELAY_URL", "relay_url")?.source).toBe(".env");
    expect(relaySetting({ env: {}, dotenv: new Map(), config }, "GATEWAY_RELAY_URL", "relay_url")).toEqual({
      value: "wss://from-config",
      source: "config.yaml",
    });
    expect(relaySetting({ env: {}, dotenv: new Map(), config: {} }, "GATEWAY_RELAY_URL", "relay_url")).toBeUndefined();
  });
});
