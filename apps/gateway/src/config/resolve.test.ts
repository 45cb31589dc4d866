import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { resolveConfig } from "./resolve.js";

const HOME = "/h";
function run(env: Record<string, string>, files: Record<string, string> = {}) {
  return resolveConfig({
    env: { HERMES_HOME: HOME, ...env },
    readFile: (p) => files[p] ?? null,
    hostname: () => "box",
  });
}
function err(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("relay policies", () => {
  const base = {
    GATEWAY_RELAY_URL: "wss://c.example",
    GATEWAY_RELAY_PLATFORMS: "discord,telegram,slack",
  };
  it("always declares Discord (require address by default) and omits all-default platforms", () => {
    expect(run(base).relayPolicies).toEqual([
      { platform: "discord", requireAddress: true, freeResponseScopes: [], allowOtherBots: false },
    ]);
  });
  it("projects env over config.yaml, key by key", () => {
    const c = run(
      { ...base, TELEGRAM_ALLOW_BOTS: "mentions", DISCORD_FREE_RESPONSE_CHANNELS: "c1, c2" },
      {
        "/h/config.yaml":
          "platforms:\n  discord:\n    require_mention: false\n    free_response_channels: [c9]\n  slack:\n    require_mention: true\n",
      },
    );
    expect(c.relayPolicies).toEqual([
      {
        platform: "discord",
        requireAddress: false,
        freeResponseScopes: ["c1", "c2"],
        allowOtherBots: false,
      },
      { platform: "telegram", requireAddress: false, freeResponseScopes: [], allowOtherBots: true },
      { platform: "slack", requireAddress: true, freeResponseScopes: [], allowOtherBots: false },
    ]);
  });
  it("names the key and source of a bad value", () => {
    expect(err(() => run({ ...base, DISCORD_REQUIRE_MENTION: "maybe" })).message).toContain(
      "DISCORD_REQUIRE_MENTION (from env)",
    );
    expect(
      err(() =>
        run(base, {
          "/h/config.yaml": "platforms:\n  slack:\n    free_response_channels: {a: 1}\n",
        }),
      ).message,
    ).toContain("platforms.slack.free_response_channels (from config.yaml)");
  });
  it("requires at least one platform when the relay is on", () => {
    expect(err(() => run({ GATEWAY_RELAY_URL: "wss://c.example" })).key).toBe(
      "GATEWAY_RELAY_PLATFORMS",
    );
  });
});

describe("resolveConfig", () => {
  it("defaults: echo agent, 127.0.0.1 inbound, gw-<hostname>, relay off", () => {
    const c = run({});
    expect(c.agent).toEqual({ value: { kind: "echo" }, source: "default", key: "" });
    expect(c.inboundHost.value).toBe("127.0.0.1");
    expect(c.relayId).toMatchObject({ value: "gw-box", source: "default" });
    expect(c.relayEnabled.value).toBe(false);
  });

  it("env wins over .env, which wins over config.yaml; sources are recorded", () => {
    const c = run(
      { GATEWAY_RELAY_URL: "wss://env.example/relay/", GATEWAY_RELAY_PLATFORMS: "discord" },
      {
        "/h/.env": "GATEWAY_RELAY_URL=wss://dotenv.example\nGATEWAY_RELAY_ID=gw-dot\n",
        "/h/config.yaml": "gateway:\n  relay_id: gw-yaml\n  relay_secret: s3\n",
      },
    );
    expect(c.relayUrl).toEqual({
      value: "wss://env.example/relay",
      source: "env",
      key: "GATEWAY_RELAY_URL",
    });
    expect(c.relayId).toEqual({ value: "gw-dot", source: ".env", key: "GATEWAY_RELAY_ID" });
    expect(c.relaySecret).toEqual({
      value: "s3",
      source: "config.yaml",
      key: "gateway.relay_secret",
    });
    expect(c.relayEnabled.value).toBe(true);
    expect(c.secretValues).toEqual(["s3"]);
  });

  it("platforms.relay.enabled: false disables the relay whatever else is set", () => {
    const c = run(
      { GATEWAY_RELAY_URL: "wss://x" },
      { "/h/config.yaml": "platforms:\n  relay:\n    enabled: false\n" },
    );
    expect(c.relayEnabled).toEqual({
      value: false,
      source: "config.yaml",
      key: "platforms.relay.enabled",
    });
  });

  it("GATEWAY_RELAY_PLATFORMS is a comma list; BOT_IDS malformed → {} with a warning", () => {
    const c = run({
      GATEWAY_RELAY_PLATFORMS: " discord, Slack ,,",
      GATEWAY_RELAY_BOT_IDS: "{nope",
    });
    expect(c.relayPlatforms.value).toEqual(["discord", "slack"]);
    expect(c.relayBotIds.value).toEqual({});
    expect(c.warnings.join()).toMatch(/GATEWAY_RELAY_BOT_IDS/);
    const ok = run({ GATEWAY_RELAY_BOT_IDS: '{"discord":{"botId":"42"}}' });
    expect(ok.relayBotIds.value).toEqual({ discord: { botId: "42" } });
  });

  it("config.yaml can set the platforms and bot ids (a list and a mapping); env still wins", () => {
    const yaml = {
      "/h/config.yaml":
        "gateway:\n  relay_url: wss://c.example\n  relay_platforms: [Discord, telegram]\n  relay_bot_ids:\n    discord:\n      botId: '7'\n",
    };
    const c = run({}, yaml);
    expect(c.relayPlatforms).toEqual({
      value: ["discord", "telegram"],
      source: "config.yaml",
      key: "gateway.relay_platforms",
    });
    expect(c.relayBotIds.value).toEqual({ discord: { botId: "7" } });
    expect(run({ GATEWAY_RELAY_PLATFORMS: "slack" }, yaml).relayPlatforms.value).toEqual(["slack"]);
    expect(() => run({ GATEWAY_RELAY_URL: "wss://c.example" })).toThrow(
      /GATEWAY_RELAY_PLATFORMS \(from default\): the relay needs at least one platform/,
    );
  });

  it("allowlists from env and .env", () => {
    const c = run({ DISCORD_ALLOWED_USERS: "u1, u2" }, { "/h/.env": "SLACK_ALLOWED_USERS=w1\n" });
    expect([...(c.allowedUsers.get("discord") ?? [])]).toEqual(["u1", "u2"]);
    expect([...(c.allowedUsers.get("slack") ?? [])]).toEqual(["w1"]);
  });

  it("agent selection: exec: and http URLs", () => {
    expect(run({ GATEWAY_AGENT: "exec:./a.sh --x" }).agent.value).toEqual({
      kind: "exec",
      command: "./a.sh --x",
    });
    expect(run({ GATEWAY_AGENT: "http://127.0.0.1:9/turn" }).agent.value).toEqual({
      kind: "http",
      url: "http://127.0.0.1:9/turn",
    });
  });

  it("GATEWAY_LOG_FORMAT: json or pretty with its source; unset = decided by the terminal", () => {
    expect(run({}).logFormat).toEqual({ value: null, source: "default", key: "" });
    expect(run({ GATEWAY_LOG_FORMAT: "pretty" }).logFormat).toEqual({
      value: "pretty",
      source: "env",
      key: "GATEWAY_LOG_FORMAT",
    });
    expect(run({}, { "/h/config.yaml": "gateway:\n  log_format: json\n" }).logFormat).toEqual({
      value: "json",
      source: "config.yaml",
      key: "gateway.log_format",
    });
  });
  it("invalid values name the key and the source", () => {
    expect(err(() => run({ GATEWAY_AGENT: "exec:" }))).toMatchObject({
      key: "GATEWAY_AGENT",
      source: "env",
      code: "SETTINGS_INVALID_VALUE",
    });
    expect(err(() => run({}, { "/h/.env": "GATEWAY_RELAY_INBOUND_PORT=99999\n" }))).toMatchObject({
      key: "GATEWAY_RELAY_INBOUND_PORT",
      source: ".env",
    });
    expect(
      err(() => run({}, { "/h/config.yaml": "gateway:\n  relay_url: ftp://x\n" })),
    ).toMatchObject({ key: "gateway.relay_url", source: "config.yaml" });
    expect(err(() => run({}, { "/h/config.yaml": "a: [" })).key).toBe("config.yaml");
    expect(err(() => run({ GATEWAY_LOG_LEVEL: "loud" })).message).toMatch(
      /GATEWAY_LOG_LEVEL \(from env\)/,
    );
    expect(err(() => run({}, { "/h/.env": "GATEWAY_LOG_FORMAT=xml\n" })).message).toMatch(
      /GATEWAY_LOG_FORMAT \(from \.env\): expected one of json, pretty/,
    );
    expect(
      err(() => run({}, { "/h/config.yaml": "gateway:\n  log_format: yaml\n" })),
    ).toMatchObject({ key: "gateway.log_format", source: "config.yaml" });
  });

  it("trims values in every layer (as `hermes gateway status` does)", () => {
    const c = run(
      {
        GATEWAY_RELAY_ID: "  gw-env  ",
        GATEWAY_LOG_LEVEL: " debug ",
        GATEWAY_HEALTH_HOST: " 127.0.0.2 ",
      },
      { "/h/.env": "GATEWAY_RELAY_SECRET=' s3cret '\n" },
    );
    expect(c.relayId.value).toBe("gw-env");
    expect(c.logLevel.value).toBe("debug");
    expect(c.healthHost.value).toBe("127.0.0.2");
    expect(c.relaySecret).toEqual({ value: "s3cret", source: ".env", key: "GATEWAY_RELAY_SECRET" });
  });

  it("one URL policy: userinfo refused everywhere, plain ws/http only to loopback unless GATEWAY_ALLOW_INSECURE_URLS", () => {
    const base = { GATEWAY_RELAY_PLATFORMS: "discord" };
    expect(
      err(() => run({ ...base, GATEWAY_RELAY_URL: "wss://u:pw-in-url@c.example" })),
    ).toMatchObject({ code: "SETTINGS_URL_USERINFO", key: "GATEWAY_RELAY_URL" });
    expect(
      err(() => run({ GATEWAY_AGENT: "https://u:pw-in-url@agent.example/turn" })),
    ).toMatchObject({ code: "SETTINGS_URL_USERINFO", key: "GATEWAY_AGENT" });
    expect(
      err(() =>
        run({}, { "/h/config.yaml": "gateway:\n  relay_wake_url: http://wake.example/w\n" }),
      ),
    ).toMatchObject({
      code: "SETTINGS_URL_INSECURE",
      key: "gateway.relay_wake_url",
      source: "config.yaml",
    });
    expect(err(() => run({ GATEWAY_AGENT: "http://agent.localhost:9/turn" })).code).toBe(
      "SETTINGS_URL_INSECURE",
    );
    expect(run({ GATEWAY_AGENT: "http://[::1]:9/turn" }).agent.value).toEqual({
      kind: "http",
      url: "http://[::1]:9/turn",
    });
    const allowed = run({
      ...base,
      GATEWAY_RELAY_URL: "ws://c.example",
      GATEWAY_AGENT: "http://agent.example/turn",
      GATEWAY_ALLOW_INSECURE_URLS: "1",
    });
    expect(allowed.relayUrl.value).toBe("ws://c.example");
    expect(allowed.agent.value).toEqual({ kind: "http", url: "http://agent.example/turn" });
  });

  it("a YAML error never quotes config.yaml, and errors are scrubbed of every known secret", () => {
    const e = err(() =>
      run({}, { "/h/config.yaml": 'gateway:\n  relay_secret: "yaml-secret-value" oops\n' }),
    );
    expect(e).toMatchObject({
      code: "SETTINGS_YAML_INVALID",
      key: "config.yaml",
      source: "/h/config.yaml",
    });
    expect(e.message).toMatch(/at line 2, column \d+/);
    expect(e.message).not.toContain("yaml-secret-value");
    // A value that equals a secret is scrubbed from an unrelated error message too.
    const shared = err(() => run({ GATEWAY_RELAY_SECRET: "loud", GATEWAY_LOG_LEVEL: "loud" }));
    expect(shared.message).toContain("<hidden>");
    expect(shared.message).not.toContain("loud");
  });

  it("an error never contains the secret values", () => {
    const e = err(() => run({ GATEWAY_RELAY_SECRET: "topsecret", GATEWAY_HEALTH_PORT: "x" }));
    expect(e.message).not.toContain("topsecret");
  });
});

describe("agent output, activity and media settings", () => {
  it("defaults: plain text, reactions on Discord and Slack, typing every 4 s, edits ≤ 1/s, a bounded cache", () => {
    const c = run({});
    expect([
      c.agentOutput.value,
      c.reactionPlatforms.value,
      c.typingIntervalMs.value,
      c.streamEditIntervalMs.value,
    ]).toEqual(["text", ["discord", "slack"], 4000, 1000]);
    expect([c.mediaCacheMaxBytes.value, c.mediaCacheMaxAgeMs.value]).toEqual([
      512 * 1024 * 1024,
      24 * 60 * 60 * 1000,
    ]);
  });
  it("env over config.yaml; `none` turns reactions off; bad values name their key", () => {
    const yaml = {
      "/h/config.yaml": "gateway:\n  agent_output: ndjson\n  reactions: [Telegram]\n",
    };
    expect([run({}, yaml).agentOutput.value, run({}, yaml).reactionPlatforms.value]).toEqual([
      "ndjson",
      ["telegram"],
    ]);
    expect(run({ GATEWAY_REACTIONS: "none" }, yaml).reactionPlatforms.value).toEqual([]);
    expect(err(() => run({ GATEWAY_AGENT_OUTPUT: "xml" })).message).toContain(
      "GATEWAY_AGENT_OUTPUT",
    );
    expect(err(() => run({ GATEWAY_STREAM_EDIT_INTERVAL_MS: "10" })).message).toContain(
      "GATEWAY_STREAM_EDIT_INTERVAL_MS",
    );
  });
});
