import { measureGrowth } from "@hermes/vitest-config/growth";
import { describe, expect, it } from "vitest";
import { resolveGatewaySettings } from "./gateway.js";
import { GATEWAY_SECRET_KEYS } from "./secret-keys.js";
import { SettingsSource } from "./source.js";
import { describeMisspelledYamlKey, misspelledYamlKeys } from "./yaml-keys.js";

const RELAY_ENV = {
  GATEWAY_RELAY_URL: "ws://127.0.0.1:9",
  GATEWAY_RELAY_PLATFORMS: "discord",
  GATEWAY_RELAY_SECRET: "a1".repeat(32),
};

/** Resolves the gateway's settings over `yamlText`; returns the source and the warnings. */
function resolve(yamlText: string, env: Record<string, string> = RELAY_ENV) {
  const source = new SettingsSource({
    env,
    dotenv: null,
    yamlText,
    secretKeys: GATEWAY_SECRET_KEYS,
  });
  const { warnings } = resolveGatewaySettings(source, { hostname: "box", env });
  return { source, warnings, suspects: misspelledYamlKeys(source) };
}

describe("misspelledYamlKeys (config.yaml keys that are almost a setting)", () => {
  it("names a misspelled gateway key and the setting it meant, in the gateway's warnings", () => {
    const { suspects, warnings } = resolve("gateway:\n  helth_port: 8080\n  agent: echo\n");
    expect(suspects).toEqual([{ path: "gateway.helth_port", suggestion: "gateway.health_port" }]);
    expect(warnings).toContain(
      "config.yaml: `gateway.helth_port` is not a setting read here; did you mean `gateway.health_port`? (ignored)",
    );
  });

  it("knows a key whose env var shadows it: config.yaml may hold it all the same", () => {
    // GATEWAY_RELAY_URL is set, so gateway.relay_url is never consulted; it is still a setting.
    expect(resolve("gateway:\n  relay_url: ws://127.0.0.1:9\n").suspects).toEqual([]);
    expect(resolve("gateway:\n  relay_ulr: ws://127.0.0.1:9\n").suspects).toEqual([
      { path: "gateway.relay_ulr", suggestion: "gateway.relay_url" },
    ]);
  });

  it("catches case and dash slips, a setting at the top level, and a misspelled section", () => {
    const { suspects } = resolve(
      [
        "Gateway:",
        "  log_level: debug",
        "gateway:",
        "  Log-Level: debug",
        "health_port: 8080",
        "platfroms:",
        "  photon: {enabled: true}",
      ].join("\n"),
    );
    expect(suspects).toEqual([
      { path: "Gateway", suggestion: "gateway" },
      { path: "health_port", suggestion: "gateway.health_port" },
      { path: "platfroms", suggestion: "platforms" },
      { path: "gateway.Log-Level", suggestion: "gateway.log_level" },
    ]);
  });

  it("checks each platform's keys against every platform setting, and the platform names", () => {
    const { suspects } = resolve(
      [
        "platforms:",
        "  discord:",
        "    require_mentions: false",
        "    free_response_channels: ['1']",
        "  photon:",
        "    enabeld: true",
        "    require_mention: true",
        "  photn:",
        "    enabled: true",
        "  slack:",
        "    allow_bots: true", // a setting of another platform: a fine name here
      ].join("\n"),
    );
    expect(suspects).toEqual([
      {
        path: "platforms.discord.require_mentions",
        suggestion: "platforms.discord.require_mention",
      },
      { path: "platforms.photon.enabeld", suggestion: "platforms.photon.enabled" },
      { path: "platforms.photn", suggestion: "platforms.photon" },
    ]);
  });

  it("leaves alone what other Hermes tools keep in the same file", () => {
    const yaml = [
      "_config_version: 50",
      "agent:", // upstream Hermes's own block (max_turns, …): not gateway.agent misplaced
      "  max_turns: 90",
      "log_level: INFO",
      "commands: [a]",
      "reactions: false",
      "health_port: {x: 1}", // a mapping: not a misplaced setting
      "model:",
      "  default: anthropic/claude-opus-4.6",
      "  provider: auto",
      "database: {journal_mode: wal}",
      "telegram:",
      "  require_mention: true",
      "gateway:",
      "  agent: echo",
      "platforms:",
      "  discord:",
      "    auto_thread: true",
      "    reactions: false",
      "    allowed_channels: ''",
      "    history_backfill_limit: 50",
      "  telegram:",
      "    exclusive_bot_mentions: true",
    ].join("\n");
    expect(resolve(yaml).suspects).toEqual([]);
  });

  it("never shows a value, only key names", () => {
    const secret = "sk-live-0123456789abcdef0123456789abcdef";
    const { warnings } = resolve(`gateway:\n  relay_secrett: "${secret}"\n`);
    expect(warnings.join("\n")).toContain("gateway.relay_secrett");
    expect(warnings.join("\n")).not.toContain(secret);
    expect(describeMisspelledYamlKey({ path: "a.b", suggestion: "a.c" })).not.toContain(
      "undefined",
    );
  });

  it("keys nothing resolved has no suspects (no config.yaml, or an empty one)", () => {
    expect(resolve("").suspects).toEqual([]);
    const source = new SettingsSource({
      env: {},
      dotenv: null,
      yamlText: "gateway:\n  agnet: x\n",
    });
    // Before any resolver asked for a setting there is nothing to compare against.
    expect(misspelledYamlKeys(source)).toEqual([]);
  });

  it("stays linear in the number and length of keys (10x input ⇒ well under 100x time)", () => {
    const yaml = (n: number): string =>
      "gateway:\n" +
      Array.from({ length: n }, (_, i) => `  k${i}_${"x".repeat(i % 40)}: 1\n`).join("") +
      `  ${"y".repeat(n / 5)}: 1\n`; // YAML caps a plain key at 1024 characters
    const small = resolve(yaml(500)).source;
    const large = resolve(yaml(5_000)).source;
    // The bound scales with how one linear pass over the same keys grew (machine load).
    // A longer budget than the default: under a loaded CI the minimum needs more rounds to find
    // a quiet moment (a pass stops at the first round under the limit, so it costs nothing then).
    const growth = measureGrowth(misspelledYamlKeys, small, large, {
      budgetMs: 20_000,
      reference: (source) =>
        Object.keys(source.yamlDocument()["gateway"] as object).map((k) => k.toLowerCase()),
    });
    expect(growth.ratio, JSON.stringify(growth)).toBeLessThan(growth.limit);
  });
});
