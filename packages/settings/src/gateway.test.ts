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

  it("a relay URL with a query, a listen host the resolver would misread: refused at resolve time", () => {
    expect(() => resolve({ GATEWAY_RELAY_URL: "wss://relay.example/relay?k=x" })).toThrow(
      "GATEWAY_RELAY_URL (from env): a base URL (wss://relay.example/relay?<hidden>) must not carry a query or fragment",
    );
    expect(() => resolve({ GATEWAY_HEALTH_HOST: "999.1.1.1" })).toThrow(
      'GATEWAY_HEALTH_HOST (from env): expected an IP address or a host name to listen on (e.g. 127.0.0.1, ::1, 0.0.0.0), got "999.1.1.1"',
    );
    expect(() => resolve({}, "gateway:\n  relay_inbound_host: http://127.0.0.1\n")).toThrow(
      "gateway.relay_inbound_host (from config.yaml): expected an IP address",
    );
    expect(() => resolve({ PHOTON_WEBHOOK_HOST: "1.2.3" })).toThrow(
      "PHOTON_WEBHOOK_HOST (from env)",
    );
    expect(resolve({ GATEWAY_HEALTH_HOST: "[::1]" }).healthHost.value).toBe("::1");
  });

  it("an inbound port without a delivery key is a warning (the receiver would not listen)", () => {
    const warned = (env: Record<string, string>) =>
      resolve(env).warnings.filter((w) => w.includes("signed-HTTP receiver"));
    expect(warned({ GATEWAY_RELAY_INBOUND_PORT: "8644" })).toEqual([
      "GATEWAY_RELAY_INBOUND_PORT (from env) is set but no delivery key is: the signed-HTTP receiver needs GATEWAY_RELAY_DELIVERY_KEY (or one issued by self-provisioning) and will not listen",
    ]);
    expect(
      warned({ GATEWAY_RELAY_INBOUND_PORT: "8644", GATEWAY_RELAY_DELIVERY_KEY: "k".repeat(32) }),
    ).toEqual([]);
    // Self-provisioning may issue one.
    expect(
      warned({ GATEWAY_RELAY_INBOUND_PORT: "8644", GATEWAY_RELAY_IDENTITY_TOKEN: "t".repeat(32) }),
    ).toEqual([]);
    expect(warned({})).toEqual([]);
  });

  it("scrubs every secret the source holds from the error", () => {
    const secret = "webhook-secret-7f3a9c";
    expect(() => resolve({ PHOTON_WEBHOOK_SECRET: secret, GATEWAY_LOG_LEVEL: secret })).toThrow(
      /^Invalid configuration: GATEWAY_LOG_LEVEL \(from env\): expected one of [^"]*, got "<hidden>"$/,
    );
  });
});
