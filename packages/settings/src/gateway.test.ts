import { describe, expect, it } from "vitest";
import { DEFAULT_REACTION_PLATFORMS, resolveGatewaySettings } from "./gateway.js";
import { GATEWAY_SECRET_KEYS } from "./secret-keys.js";
import { SettingsSource } from "./source.js";

const source = (env: Record<string, string>, yamlText: string | null = null) =>
  new SettingsSource({ env, dotenv: null, yamlText, secretKeys: GATEWAY_SECRET_KEYS });
const resolve = (env: Record<string, string>, yamlText: string | null = null) =>
  resolveGatewaySettings(source(env, yamlText), { hostname: "box", env });

describe("resolveGatewaySettings", () => {
  it("defaults: echo agent, no listeners, bounded queues, reactions on discord and slack", () => {
    const s = resolve({});
    expect(s.agent).toEqual({ value: { kind: "echo" }, source: "default", key: "" });
    expect(s.healthPort.value).toBeNull();
    expect(s.queueMaxTurns.value).toBe(10_000);
    expect(s.reactionPlatforms.value).toEqual(DEFAULT_REACTION_PLATFORMS);
    expect(s.relayId.value).toBe("gw-box");
    expect(s.photon.enabled.value).toBe(false);
  });

  it("names the key and source of the first refused value", () => {
    expect(() => resolve({ GATEWAY_AGENT: "exec:" })).toThrow(
      "Invalid configuration: GATEWAY_AGENT (from env): exec: needs a command, e.g. exec:./my-agent.sh",
    );
    expect(() => resolve({ GATEWAY_HEALTH_PORT: "99999" })).toThrow(
      "GATEWAY_HEALTH_PORT (from env): expected an integer from 0 to 65535",
    );
    expect(() => resolve({}, "gateway:\n  max_queued_per_session: 0\n")).toThrow(
      "gateway.max_queued_per_session (from config.yaml)",
    );
    expect(() => resolve({}, "gateway: [\n")).toThrow(
      "config.yaml (from config.yaml): not valid YAML",
    );
  });

  it("scrubs every secret the source holds from the error", () => {
    const secret = "webhook-secret-7f3a9c";
    expect(() => resolve({ PHOTON_WEBHOOK_SECRET: secret, GATEWAY_LOG_LEVEL: secret })).toThrow(
      /^Invalid configuration: GATEWAY_LOG_LEVEL \(from env\): expected one of [^"]*, got "<hidden>"$/,
    );
  });
});
