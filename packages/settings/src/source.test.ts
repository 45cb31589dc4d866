import { describe, expect, it } from "vitest";
import { SettingsError } from "./errors.js";
import { readSettingsSource, SettingsSource } from "./source.js";

const key = { env: "GATEWAY_RELAY_ID", yaml: "gateway.relay_id" };

describe("SettingsSource layers", () => {
  it("env wins over .env, which wins over config.yaml; each value records its source and key", () => {
    const layers = { dotenv: "GATEWAY_RELAY_ID=dot\n", yamlText: "gateway:\n  relay_id: yml\n" };
    expect(new SettingsSource({ env: { GATEWAY_RELAY_ID: "env" }, ...layers }).get(key)).toEqual({
      value: "env",
      source: "env",
      key: "GATEWAY_RELAY_ID",
    });
    expect(new SettingsSource({ env: {}, ...layers }).get(key)).toEqual({
      value: "dot",
      source: ".env",
      key: "GATEWAY_RELAY_ID",
    });
    expect(
      new SettingsSource({ env: {}, dotenv: null, yamlText: layers.yamlText }).get(key),
    ).toEqual({
      value: "yml",
      source: "config.yaml",
      key: "gateway.relay_id",
    });
    expect(new SettingsSource({ env: {}, dotenv: null, yamlText: null }).get(key)).toBeNull();
  });

  it("a flag standing for an env var wins over every layer and is reported as the flag", () => {
    const s = new SettingsSource({
      flags: { GATEWAY_RELAY_ID: { flag: "--gateway-id", value: " cli " } },
      env: { GATEWAY_RELAY_ID: "env" },
      dotenv: null,
      yamlText: null,
      secretKeys: [{ env: "GATEWAY_RELAY_ID" }],
    });
    expect(s.get(key)).toEqual({ value: "cli", source: "flag", key: "--gateway-id" });
    expect(s.secretValues().sort()).toEqual(["cli", "env"]);
    const unset = new SettingsSource({
      flags: { GATEWAY_RELAY_ID: { flag: "--gateway-id", value: undefined } },
      env: { GATEWAY_RELAY_ID: "env" },
      dotenv: null,
      yamlText: null,
    });
    expect(unset.get(key)).toEqual({ value: "env", source: "env", key: "GATEWAY_RELAY_ID" });
  });

  it("trims in every layer, and a blank value falls through to the next layer", () => {
    const s = new SettingsSource({
      env: { GATEWAY_RELAY_ID: "   " },
      dotenv: new Map([["GATEWAY_RELAY_ID", "  "]]),
      yamlText: 'gateway:\n  relay_id: "  yml  "\n',
    });
    expect(s.get(key)).toEqual({ value: "yml", source: "config.yaml", key: "gateway.relay_id" });
    expect(
      new SettingsSource({
        env: { GATEWAY_RELAY_ID: "  env \t" },
        dotenv: null,
        yamlText: null,
      }).get(key)?.value,
    ).toBe("env");
    expect(
      new SettingsSource({ env: {}, dotenv: "GATEWAY_RELAY_ID=' dot '\n", yamlText: null }).get(key)
        ?.value,
    ).toBe("dot");
    expect(
      new SettingsSource({ env: {}, dotenv: null, yamlText: "gateway:\n  relay_id: ''\n" }).get(
        key,
      ),
    ).toBeNull();
  });

  it("envNames lists env and .env names once", () => {
    const s = new SettingsSource({ env: { A: "1", B: "2" }, dotenv: "B=3\nC=4\n", yamlText: null });
    expect(s.envNames().sort()).toEqual(["A", "B", "C"]);
  });

  it("secretValues holds every layer's value of a secret key, shadowed ones too", () => {
    const s = new SettingsSource({
      env: { S: "from-env" },
      dotenv: "S=from-dotenv\nOTHER=visible\n",
      yamlText: "gateway:\n  s: from-yaml\n",
      secretKeys: [{ env: "S", yaml: "gateway.s" }],
    });
    expect(s.secretValues().sort()).toEqual(["from-dotenv", "from-env", "from-yaml"]);
  });
});

describe("config.yaml problems", () => {
  const SECRET = "hunter2-very-secret";
  it.each([
    ["gateway: [1, 2]\n", "`gateway` must be a mapping of settings (key: value), not a list"],
    ["platforms: 5\n", "`platforms` must be a mapping of settings (key: value), not a number"],
    [
      "platforms:\n  photon: true\n",
      "`platforms.photon` must be a mapping of settings (key: value), not a boolean",
    ],
  ])("a block that is not a mapping (%j) makes config.yaml invalid, naming it", (text, says) => {
    const s = new SettingsSource({ env: {}, dotenv: null, yamlText: text });
    expect(s.yamlError?.code).toBe("SETTINGS_YAML_INVALID");
    expect(s.yamlError?.message).toContain(says);
    // Like any invalid config.yaml, its values are not used.
    expect(s.yaml("gateway.relay_url")).toBeNull();
  });

  it.each([
    [
      "a syntax error on the secret's line",
      `gateway:\n  relay_secret: ${SECRET}\n  relay_id: [oops\n`,
    ],
    ["an unexpected token quoting the line", `gateway:\n  relay_secret: "${SECRET}" trailing\n`],
    ["a duplicate key", `${SECRET}: 1\n${SECRET}: 2\n`],
    ["an unterminated quote", `gateway:\n  relay_secret: "${SECRET}\n`],
    ["a bad indent", `gateway:\n    relay_secret: ${SECRET}\n  relay_id: x\n`],
  ])("%s: an error naming config.yaml and its position, never the secret", (_what, text) => {
    const s = new SettingsSource({
      env: {},
      dotenv: null,
      yamlText: text,
      yamlPath: "/h/config.yaml",
    });
    expect(s.yamlError).toBeInstanceOf(SettingsError);
    if (s.yamlError === null) return;
    expect(s.yamlError).toMatchObject({
      code: "SETTINGS_YAML_INVALID",
      key: "config.yaml",
      source: "/h/config.yaml",
    });
    expect(s.yamlError.message).toMatch(
      /not valid YAML: .* \([A-Z_]+\) at line \d+, column \d+; fix or remove the file/,
    );
    expect(s.yamlError.message).not.toContain(SECRET);
    expect(s.yamlError.message).not.toContain("hunter2");
    // Its values are ignored, not half-read.
    expect(s.yaml("gateway.relay_id")).toBeNull();
  });

  it("a document that is not a mapping is an error; an empty one is no settings", () => {
    expect(
      new SettingsSource({ env: {}, dotenv: null, yamlText: "just a string\n" }).yamlError?.detail,
    ).toMatch(/expected a YAML mapping/);
    expect(new SettingsSource({ env: {}, dotenv: null, yamlText: "- a\n" }).yamlError?.code).toBe(
      "SETTINGS_YAML_INVALID",
    );
    const empty = new SettingsSource({ env: {}, dotenv: null, yamlText: "# nothing\n" });
    expect(empty.yamlError).toBeNull();
  });

  it("an alias bomb is refused, not expanded", () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(",")}]`,
      );
    const s = new SettingsSource({ env: {}, dotenv: null, yamlText: lines.join("\n") });
    expect(s.yamlError?.code).toBe("SETTINGS_YAML_INVALID");
  });
});

describe("readSettingsSource", () => {
  it("reads <home>/.env and <home>/config.yaml through the given readFile", () => {
    const files: Record<string, string> = {
      "/h/.env": "A=1\n",
      "/h/config.yaml": "gateway:\n  b: 2\n",
    };
    const s = readSettingsSource({ env: {}, home: "/h", readFile: (p) => files[p] ?? null });
    expect(s.get({ env: "A" })).toEqual({ value: "1", source: ".env", key: "A" });
    expect(s.get({ yaml: "gateway.b" })).toEqual({
      value: 2,
      source: "config.yaml",
      key: "gateway.b",
    });
  });

  it("an unreadable file is SETTINGS_FILE_UNREADABLE naming the path", () => {
    const readFile = (p: string): string | null => {
      if (p.endsWith(".env"))
        throw Object.assign(new Error("EACCES: secret-ish detail"), { code: "EACCES" });
      return null;
    };
    expect(() => readSettingsSource({ env: {}, home: "/h", readFile })).toThrow(
      expect.objectContaining({
        code: "SETTINGS_FILE_UNREADABLE",
        key: ".env",
        source: "/h/.env",
        message: expect.stringContaining("EACCES"),
      }),
    );
  });
});
