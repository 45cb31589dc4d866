import { describe, expect, it } from "vitest";
import { SettingsError } from "./errors.js";
import {
  defaultGatewayId,
  parseRelayBotIds,
  RELAY_SECRET_KEYS,
  relaySettings,
  resolveRelayLink,
} from "./relay.js";
import { SettingsSource } from "./source.js";

function link(
  env: Record<string, string>,
  yamlText: string | null = null,
  dotenv: string | null = null,
) {
  const source = new SettingsSource({ env, dotenv, yamlText, secretKeys: RELAY_SECRET_KEYS });
  return resolveRelayLink(relaySettings(source), { hostname: "box" });
}

describe("resolveRelayLink", () => {
  it("defaults: relay off, gw-<hostname>, no secrets", () => {
    expect(link({})).toEqual({
      relayUrl: { value: null, source: "default", key: "" },
      relayEnabled: { value: false, source: "default", key: "" },
      relayId: { value: "gw-box", source: "default", key: "" },
      relaySecret: { value: null, source: "default", key: "" },
      relayDeliveryKey: { value: null, source: "default", key: "" },
      relayWakeUrl: { value: null, source: "default", key: "" },
      relayPlatforms: { value: [], source: "default", key: "" },
    });
  });

  it("the default gateway id is gw-<hostname>, else gw-hermes", () => {
    expect(defaultGatewayId(" box ")).toBe("gw-box");
    expect(defaultGatewayId("  ")).toBe("gw-hermes");
  });

  it("strips trailing slashes; enabled follows the URL unless platforms.relay.enabled is false", () => {
    const l = link({
      GATEWAY_RELAY_URL: " wss://c.example/relay// ",
      GATEWAY_RELAY_PLATFORMS: "discord",
    });
    expect(l.relayUrl).toEqual({
      value: "wss://c.example/relay",
      source: "env",
      key: "GATEWAY_RELAY_URL",
    });
    expect(l.relayEnabled).toEqual({ value: true, source: "env", key: "GATEWAY_RELAY_URL" });
    const off = link(
      { GATEWAY_RELAY_URL: "wss://c.example" },
      "platforms:\n  relay:\n    enabled: false\n",
    );
    expect(off.relayEnabled).toEqual({
      value: false,
      source: "config.yaml",
      key: "platforms.relay.enabled",
    });
    expect(() => link({}, "platforms:\n  relay:\n    enabled: nope\n")).toThrow(
      /platforms.relay.enabled \(from config.yaml\)/,
    );
  });

  it("platforms: one per name in any case, in order; a name that is not a platform is refused naming it", () => {
    const l = link({
      GATEWAY_RELAY_URL: "wss://c.example/relay",
      GATEWAY_RELAY_PLATFORMS: "discord,DISCORD, telegram,discord",
    });
    expect(l.relayPlatforms.value).toEqual(["discord", "telegram"]);
    expect(() =>
      link({
        GATEWAY_RELAY_URL: "wss://c.example/relay",
        GATEWAY_RELAY_PLATFORMS: "discord,tele gram",
      }),
    ).toThrow(
      expect.objectContaining({
        code: "SETTINGS_INVALID_VALUE",
        message: expect.stringContaining('"tele gram" is not a platform name'),
      }),
    );
  });

  it("plain ws:// off loopback needs GATEWAY_ALLOW_INSECURE_URLS (env, .env or config.yaml)", () => {
    expect(() => link({ GATEWAY_RELAY_URL: "ws://c.example" })).toThrow(
      expect.objectContaining({
        code: "SETTINGS_URL_INSECURE",
        message: expect.stringContaining("set GATEWAY_ALLOW_INSECURE_URLS=1"),
      }),
    );
    expect(
      link({
        GATEWAY_RELAY_PLATFORMS: "discord",
        GATEWAY_RELAY_URL: "ws://c.example",
        GATEWAY_ALLOW_INSECURE_URLS: "1",
      }).relayUrl.value,
    ).toBe("ws://c.example");
    expect(
      link(
        { GATEWAY_RELAY_PLATFORMS: "discord", GATEWAY_RELAY_URL: "ws://c.example" },
        "gateway:\n  allow_insecure_urls: true\n",
      ).relayUrl.value,
    ).toBe("ws://c.example");
    expect(
      link(
        { GATEWAY_RELAY_PLATFORMS: "discord", GATEWAY_RELAY_URL: "ws://c.example" },
        null,
        "GATEWAY_ALLOW_INSECURE_URLS=yes\n",
      ).relayUrl.value,
    ).toBe("ws://c.example");
    expect(
      link({ GATEWAY_RELAY_PLATFORMS: "discord", GATEWAY_RELAY_URL: "ws://127.0.0.1:9/relay" })
        .relayUrl.value,
    ).toBe("ws://127.0.0.1:9/relay");
    expect(() => link({ GATEWAY_RELAY_URL: "ws://gw.localhost:9" })).toThrow(SettingsError);
    expect(() => link({}, null, "GATEWAY_RELAY_WAKE_URL=http://wake.example/w\n")).toThrow(
      /GATEWAY_RELAY_WAKE_URL \(from .env\)/,
    );
  });

  it("refuses userinfo in every URL, naming the key and never echoing the password", () => {
    for (const [env, key] of [
      [{ GATEWAY_RELAY_URL: "wss://u:hunter22@c.example" }, "GATEWAY_RELAY_URL"],
      [{ GATEWAY_RELAY_WAKE_URL: "https://u:hunter22@w.example" }, "GATEWAY_RELAY_WAKE_URL"],
    ] as const) {
      let caught: unknown;
      try {
        link(env);
      } catch (e) {
        caught = e;
      }
      expect(caught).toMatchObject({ code: "SETTINGS_URL_USERINFO", key, source: "env" });
      expect((caught as Error).message).not.toContain("hunter22");
    }
  });

  it("secrets: trimmed strings; a YAML number is refused without echoing it", () => {
    expect(link({ GATEWAY_RELAY_SECRET: "  s3cr3t  " }).relaySecret.value).toBe("s3cr3t");
    expect(() => link({}, "gateway:\n  relay_delivery_key: 12345678\n")).toThrow(
      expect.objectContaining({
        code: "SETTINGS_SECRET_UNUSABLE",
        key: "gateway.relay_delivery_key",
        message: expect.not.stringContaining("12345678"),
      }),
    );
  });

  it("with onError, each invalid value is reported and resolved as unset; the rest still resolves", () => {
    const source = new SettingsSource({
      env: { GATEWAY_RELAY_URL: "ws://c.example", GATEWAY_RELAY_ID: "gw-1" },
      dotenv: null,
      yamlText: "gateway:\n  relay_wake_url: ftp://x\n",
    });
    const errors: SettingsError[] = [];
    const l = resolveRelayLink(relaySettings(source), {
      hostname: "box",
      onError: (e) => errors.push(e),
    });
    expect(errors.map((e) => e.key)).toEqual(["GATEWAY_RELAY_URL", "gateway.relay_wake_url"]);
    expect(l.relayUrl.value).toBeNull();
    expect(l.relayId.value).toBe("gw-1");
  });

  it("platforms: env comma list or a config.yaml list, lower-cased; an enabled relay needs one", () => {
    const url = { GATEWAY_RELAY_URL: "wss://c.example" };
    expect(link({ ...url, GATEWAY_RELAY_PLATFORMS: " Discord, slack,," }).relayPlatforms).toEqual({
      value: ["discord", "slack"],
      source: "env",
      key: "GATEWAY_RELAY_PLATFORMS",
    });
    expect(link(url, "gateway:\n  relay_platforms: [Telegram]\n").relayPlatforms).toEqual({
      value: ["telegram"],
      source: "config.yaml",
      key: "gateway.relay_platforms",
    });
    expect(link(url, null, "GATEWAY_RELAY_PLATFORMS=discord\n").relayPlatforms.source).toBe(".env");
    expect(() => link(url)).toThrow(
      /GATEWAY_RELAY_PLATFORMS \(from default\): the relay needs at least one platform/,
    );
    // A disabled relay needs none.
    expect(link({}).relayPlatforms.value).toEqual([]);
    const errors: SettingsError[] = [];
    const source = new SettingsSource({ env: url, dotenv: null, yamlText: null });
    resolveRelayLink(relaySettings(source), { hostname: "box", onError: (e) => errors.push(e) });
    expect(errors.map((e) => e.key)).toEqual(["GATEWAY_RELAY_PLATFORMS"]);
  });

  it("bot ids: JSON text or a YAML mapping; anything else is null", () => {
    expect(parseRelayBotIds('{"Discord":{"botId":"42"},"slack":{}}')).toEqual({
      discord: { botId: "42" },
      slack: {},
    });
    expect(parseRelayBotIds({ discord: { botId: "7" } })).toEqual({ discord: { botId: "7" } });
    expect(parseRelayBotIds("[oops")).toBeNull();
    expect(parseRelayBotIds({ discord: "x" })).toBeNull();
  });
});
