import { describe, expect, it } from "vitest";
import { SettingsError } from "./errors.js";
import {
  parseBoolean,
  parseEnum,
  parseHost,
  parseInteger,
  parseList,
  parseSecret,
  parseString,
  parseUrl,
} from "./parse.js";
import { createSecretScrubber } from "./scrub.js";
import type { Sourced } from "./source.js";

const fromEnv = (value: unknown): Sourced<unknown> => ({ value, source: "env", key: "K_ENV" });
const fromYaml = (value: unknown): Sourced<unknown> => ({
  value,
  source: "config.yaml",
  key: "gateway.k",
});

function err(fn: () => unknown): SettingsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SettingsError) return e;
    throw e;
  }
  throw new Error("expected a SettingsError");
}

describe("parsers keep the source and key, and their errors name both", () => {
  it("string: trimmed; a YAML number is its text; anything else refused", () => {
    expect(parseString(fromEnv("  a b "))).toEqual({ value: "a b", source: "env", key: "K_ENV" });
    expect(parseString(fromYaml(42)).value).toBe("42");
    const e = err(() => parseString(fromYaml({ a: 1 })));
    expect(e).toMatchObject({
      code: "SETTINGS_INVALID_VALUE",
      key: "gateway.k",
      source: "config.yaml",
    });
    expect(e.message).toBe(
      "Invalid configuration: gateway.k (from config.yaml): expected a string",
    );
  });

  it("int: decimal digits within the range", () => {
    expect(parseInteger(fromEnv(" 8080 "), { min: 1, max: 65535 }).value).toBe(8080);
    expect(parseInteger(fromYaml(0), { min: 0, max: 1 }).value).toBe(0);
    for (const bad of ["99999", "-1", "1.5", "0x10", "", "1e3", "12abc"]) {
      const e = err(() => parseInteger(fromEnv(bad), { min: 1, max: 65535 }));
      expect(e.message).toContain("K_ENV (from env)");
      expect(e.message).toContain("expected an integer from 1 to 65535");
    }
    expect(err(() => parseInteger(fromYaml(true), { min: 0, max: 9 })).message).toContain(
      "gateway.k (from config.yaml)",
    );
  });

  it("a long value is never quoted cut (a secret pasted into the wrong key would slip past the scrubber)", () => {
    const secret = "7a766b81".repeat(8); // 64 characters
    const scrub = createSecretScrubber([secret]);
    for (const [parse, length] of [
      [() => parseInteger(fromEnv(secret), { min: 1, max: 65535 }), 64],
      [() => parseBoolean(fromEnv(secret)), 64],
      [() => parseEnum(fromEnv(secret), ["json", "pretty"]), 64],
      [() => parseHost(fromEnv(`${secret}:80`)), 67],
    ] as const) {
      const message = scrub(err(parse).message);
      expect(message).toContain(`got a value of ${length} characters (not shown)`);
      expect(message).not.toContain(secret.slice(0, 8));
    }
    // Short enough to quote whole: the scrubber sees the whole value.
    const short = "s3cr3t-value-of-forty-characters-exactly";
    expect(short).toHaveLength(40);
    const e = err(() => parseInteger(fromEnv(short), { min: 1, max: 9 }));
    expect(e.message).toContain(JSON.stringify(short));
    expect(createSecretScrubber([short])(e.message)).toContain('got "<hidden>"');
  });

  it("host: an IP address (IPv6 with or without brackets) or a DNS name; nothing the resolver would misread", () => {
    for (const [text, host] of [
      ["127.0.0.1", "127.0.0.1"],
      [" 0.0.0.0 ", "0.0.0.0"],
      ["::", "::"],
      ["[::1]", "::1"],
      ["fe80::1", "fe80::1"],
      ["localhost", "localhost"],
      ["gw-1.internal.example", "gw-1.internal.example"],
      ["example.com.", "example.com."],
      ["my_service", "my_service"],
    ] as const)
      expect(parseHost(fromEnv(text)).value).toBe(host);
    for (const bad of [
      "999.1.1.1",
      "10.1",
      "1.2.3",
      "http://127.0.0.1",
      "127.0.0.1:8080",
      "-bad.example",
      "a..b",
      "[::1",
      "::g",
      "::1]/x",
      "::1]?a",
      "::1]#f",
      "[example.com]",
      "a".repeat(64) + ".example",
      `${"a.".repeat(127)}com`,
    ]) {
      const e = err(() => parseHost(fromEnv(bad)));
      expect(e.message).toContain("K_ENV (from env): expected an IP address or a host name");
    }
  });

  it("bool: YAML booleans and the words, case-insensitive", () => {
    expect(parseBoolean(fromYaml(false)).value).toBe(false);
    expect(parseBoolean(fromEnv(" YES ")).value).toBe(true);
    expect(parseBoolean(fromEnv("0")).value).toBe(false);
    expect(parseBoolean(fromEnv("all"), { truthy: ["all"], falsy: ["none"] }).value).toBe(true);
    expect(err(() => parseBoolean(fromEnv("maybe"))).message).toMatch(
      /K_ENV \(from env\): expected one of 1, true, .* got "maybe"/,
    );
  });

  it("enum: one of the choices", () => {
    expect(parseEnum(fromEnv(" debug "), ["info", "debug"] as const).value).toBe("debug");
    expect(err(() => parseEnum(fromYaml("loud"), ["info", "debug"])).message).toBe(
      'Invalid configuration: gateway.k (from config.yaml): expected one of info, debug, got "loud"',
    );
  });

  it("list: comma string or YAML list; items trimmed, empties dropped", () => {
    expect(parseList(fromEnv(" a, b ,,c")).value).toEqual(["a", "b", "c"]);
    expect(parseList(fromYaml(["x", 12, " "])).value).toEqual(["x", "12"]);
    expect(err(() => parseList(fromYaml({ a: 1 })))).toMatchObject({
      key: "gateway.k",
      source: "config.yaml",
    });
  });

  it("url: the policy's refusals carry their own codes and never the userinfo", () => {
    const policy = {
      schemes: ["wss:", "ws:"],
      allowInsecure: false,
      insecureOverride: "set ALLOW=1",
    };
    expect(parseUrl(fromEnv(" wss://h/relay "), policy).value).toBe("wss://h/relay");
    expect(err(() => parseUrl(fromEnv("https://h"), policy))).toMatchObject({
      code: "SETTINGS_INVALID_VALUE",
      key: "K_ENV",
    });
    expect(err(() => parseUrl(fromEnv("not a url"), policy)).message).toContain(
      "expected a wss:// or ws:// URL",
    );
    const userinfo = err(() => parseUrl(fromYaml("wss://bob:pa55word@h/relay"), policy));
    expect(userinfo).toMatchObject({
      code: "SETTINGS_URL_USERINFO",
      key: "gateway.k",
      source: "config.yaml",
    });
    expect(userinfo.message).toContain("wss://<hidden>@h/relay");
    expect(userinfo.message).not.toMatch(/bob|pa55word/);
    const insecure = err(() => parseUrl(fromEnv("ws://relay.example.com/relay?t=tok3n"), policy));
    expect(insecure).toMatchObject({ code: "SETTINGS_URL_INSECURE", key: "K_ENV", source: "env" });
    expect(insecure.message).toContain("use wss://, or set ALLOW=1");
    expect(insecure.message).not.toContain("tok3n");
    // A base URL (paths are appended to it) refuses a query or fragment, without echoing it.
    const base = { ...policy, base: true };
    expect(parseUrl(fromEnv("wss://h/relay"), base).value).toBe("wss://h/relay");
    for (const text of ["wss://h/relay?k=tok3n", "wss://h/relay#tok3n"]) {
      const e = err(() => parseUrl(fromEnv(text), base));
      expect(e).toMatchObject({ code: "SETTINGS_INVALID_VALUE", key: "K_ENV" });
      expect(e.message).toContain("must not carry a query or fragment");
      expect(e.message).not.toContain("tok3n");
    }
    expect(parseUrl(fromEnv("wss://h/relay?k=1"), policy).value).toBe("wss://h/relay?k=1");
  });

  it("secret: a usable string, trimmed, never quoted in an error", () => {
    expect(parseSecret(fromEnv("  s3cret  ")).value).toBe("s3cret");
    const number = err(() => parseSecret(fromYaml(123456789)));
    expect(number).toMatchObject({
      code: "SETTINGS_SECRET_UNUSABLE",
      key: "gateway.k",
      source: "config.yaml",
    });
    expect(number.message).not.toContain("123456789");
    expect(err(() => parseSecret(fromEnv(" \t "))).code).toBe("SETTINGS_SECRET_UNUSABLE");
  });
});
