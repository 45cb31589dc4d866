import { describe, expect, it } from "vitest";
import { SettingsError } from "./errors.js";
import { createSecretScrubber } from "./scrub.js";
import { collecting, orDefault, Settings } from "./settings.js";
import { SettingsSource } from "./source.js";

const source = new SettingsSource({
  env: {
    PORT: " 8080 ",
    LEVEL: "debug",
    ON: "yes",
    HOSTS: "a, b",
    URL: "https://h/x",
    TOKEN: " t0ken-value ",
  },
  dotenv: "PORT=1\n",
  yamlText: "app:\n  port: 9\n  bad_port: 70000\n  secret: 1234\n",
  secretKeys: [{ env: "TOKEN" }],
});
const s = new Settings(source, { allowInsecure: false, insecureOverride: "set ALLOW=1" });

describe("Settings reader", () => {
  it("looks up through the layers and parses in one call; null when no layer sets the key", () => {
    expect(s.int({ env: "PORT", yaml: "app.port" }, { min: 1, max: 65535 })).toEqual({
      value: 8080,
      source: "env",
      key: "PORT",
    });
    expect(s.int({ env: "NOPE", yaml: "app.port" }, { min: 1, max: 65535 })).toEqual({
      value: 9,
      source: "config.yaml",
      key: "app.port",
    });
    expect(s.oneOf({ env: "LEVEL" }, ["info", "debug"])?.value).toBe("debug");
    expect(s.bool({ env: "ON" })?.value).toBe(true);
    expect(s.list({ env: "HOSTS" })?.value).toEqual(["a", "b"]);
    expect(s.url({ env: "URL" }, ["https:"])?.value).toBe("https://h/x");
    expect(s.secret({ env: "TOKEN" })?.value).toBe("t0ken-value");
    expect(s.string({ env: "NOPE" })).toBeNull();
  });

  it("orDefault records a default; collecting reports a SettingsError and yields null", () => {
    expect(orDefault(s.string({ env: "NOPE" }), "x")).toEqual({
      value: "x",
      source: "default",
      key: "",
    });
    const seen: SettingsError[] = [];
    expect(
      collecting(
        () => s.int({ yaml: "app.bad_port" }, { min: 1, max: 65535 }),
        (e) => seen.push(e),
      ),
    ).toBeNull();
    expect(seen[0]).toMatchObject({
      code: "SETTINGS_INVALID_VALUE",
      key: "app.bad_port",
      source: "config.yaml",
    });
    expect(() => collecting(() => s.secret({ yaml: "app.secret" }), undefined)).toThrow(
      SettingsError,
    );
    expect(() =>
      collecting(
        () => {
          throw new TypeError("not a settings error");
        },
        () => {},
      ),
    ).toThrow(TypeError);
  });

  it("SettingsError.scrubbed applies a scrubber to key, source and detail", () => {
    const e = new SettingsError("SETTINGS_INVALID_VALUE", "K", "env", "got t0ken-value");
    const clean = e.scrubbed(createSecretScrubber(source.secretValues()));
    expect(clean.message).toBe("Invalid configuration: K (from env): got <hidden>");
    expect(clean.code).toBe("SETTINGS_INVALID_VALUE");
  });
});
