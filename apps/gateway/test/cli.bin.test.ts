import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { reportedLoads, writeLoadReporter } from "@hermes/vitest-config/loaded-files";
import { afterAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});
function gw(args: string[], env: Record<string, string> = {}, files: Record<string, string> = {}) {
  const home = mkdtempSync(join(tmpdir(), "gw-home-"));
  homes.push(home);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(home, name), text);
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? "", HERMES_HOME: home, ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("hermes-gateway (built bin)", () => {
  it("--version and --help", () => {
    expect(gw(["--version"])).toMatchObject({ code: 0, out: "0.1.0\n" });
    const h = gw(["--help"]);
    expect(h.code).toBe(0);
    for (const c of ["run", "dev", "dev-connector"]) expect(h.out).toContain(c);
  });

  it("bad configuration exits 2 naming the key and its source", () => {
    const a = gw(["run"], { GATEWAY_RELAY_INBOUND_PORT: "http" });
    expect(a.code).toBe(2);
    expect(a.err).toContain("GATEWAY_RELAY_INBOUND_PORT (from env)");
    const b = gw(["run", "--check"], {}, { "config.yaml": "gateway:\n  agent: telepathy\n" });
    expect(b.code).toBe(2);
    expect(b.err).toContain("gateway.agent (from config.yaml)");
  });

  it("run --check prints the resolved config with sources and never a secret", () => {
    const r = gw(
      ["run", "--check"],
      {
        GATEWAY_RELAY_URL: "ws://127.0.0.1:9/relay",
        GATEWAY_RELAY_PLATFORMS: "discord",
        GATEWAY_RELAY_BOT_IDS: "[oops",
      },
      { ".env": "GATEWAY_RELAY_SECRET=sekrit-value-1\nGATEWAY_RELAY_DELIVERY_KEY=dk-value-2\n" },
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /relay url\s+ws:\/\/127\.0\.0\.1:9\/relay\s+\[GATEWAY_RELAY_URL from env\]/,
    );
    expect(r.out).toMatch(/relay secret\s+<hidden>\s+\[GATEWAY_RELAY_SECRET from \.env\]/);
    expect(r.err).toContain("⚠ GATEWAY_RELAY_BOT_IDS");
    expect(r.out + r.err).not.toContain("sekrit-value-1");
    expect(r.out + r.err).not.toContain("dk-value-2");
  });

  it("run with the relay off says there is nothing to run (exit 2)", () => {
    const r = gw(["run"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("GATEWAY_RELAY_URL is not set");
    const off = gw(
      ["run"],
      { GATEWAY_RELAY_URL: "ws://127.0.0.1:9", GATEWAY_RELAY_PLATFORMS: "discord" },
      { "config.yaml": "platforms:\n  relay:\n    enabled: false\n" },
    );
    expect(off.code).toBe(2);
    expect(off.err).toContain("platforms.relay.enabled is false");
  });

  it("a relay without platforms is a configuration error naming GATEWAY_RELAY_PLATFORMS", () => {
    const r = gw(["run", "--check"], { GATEWAY_RELAY_URL: "ws://127.0.0.1:9" });
    expect(r.code).toBe(2);
    expect(r.err).toContain("GATEWAY_RELAY_PLATFORMS (from default)");
  });

  it("an unknown command is a usage error (exit 2)", () => {
    expect(gw(["fly"]).code).toBe(2);
  });

  it("loads the YAML parser (dist/config-yaml.cjs) only when there is a config.yaml", () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-preload-"));
    homes.push(dir);
    const preload = writeLoadReporter(dir);
    const loaded = (files: Record<string, string>) => {
      const r = gw(["run", "--check"], { NODE_OPTIONS: `--require ${preload}` }, files);
      const names = reportedLoads(r.err)?.files.map((f) => f.slice(f.lastIndexOf("/") + 1));
      return { code: r.code, names };
    };
    const env = {
      ".env":
        "GATEWAY_RELAY_URL=ws://127.0.0.1:9/relay\nGATEWAY_RELAY_ID=gw\nGATEWAY_RELAY_SECRET=fixture-secret-3\nGATEWAY_RELAY_PLATFORMS=discord\n",
    };
    expect(loaded(env)).toMatchObject({ code: 0, names: [] });
    const withYaml = loaded({ ...env, "config.yaml": "gateway:\n  relay_id: gw-from-yaml\n" });
    expect(withYaml).toMatchObject({ code: 0, names: ["config-yaml.cjs"] });
    // .env wins over config.yaml; the file was parsed all the same (a bad one is an error).
    expect(loaded({ ...env, "config.yaml": "gateway: [\n" }).code).toBe(2);
  });
});

// The same env / .env / config.yaml as apps/cli/test/gateway.bin.test.ts ("resolves the relay
// link exactly as hermes-gateway run --check"): both bins must report the same values and sources.
const SAME_ENV = {
  GATEWAY_RELAY_URL: " wss://env.example/relay/ ",
  GATEWAY_RELAY_ID: "   ",
  GATEWAY_RELAY_PLATFORMS: "discord",
};
const SAME_FILES = {
  ".env": "GATEWAY_RELAY_ID=' gw-dotenv '\nGATEWAY_RELAY_SECRET=fixture-secret-1\n",
  "config.yaml":
    "gateway:\n  relay_url: wss://yaml.example\n  relay_delivery_key: 'fixture-key-2'\n  relay_wake_url: https://wake.example/w?t=fixture-wake-token\n",
};

describe("run --check refuses what run would refuse at boot (exit 2)", () => {
  const RELAY = { GATEWAY_RELAY_URL: "ws://127.0.0.1:9/relay", GATEWAY_RELAY_PLATFORMS: "discord" };

  it("the relay off and iMessage off: nothing to run", () => {
    const r = gw(["run", "--check"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("nothing to run: the relay is off (GATEWAY_RELAY_URL is not set)");
    const json = gw(["run", "--check", "--json"]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.err)).toMatchObject({ error: { code: "relay-off" } });
  });

  it("a turn journal that cannot be created, or one a later version wrote", () => {
    const blocked = gw(["run", "--check"], RELAY, { gateway: "a file where a directory goes" });
    expect(blocked.code).toBe(2);
    expect(blocked.err).toMatch(
      /the turn journal .* cannot be created: .*gateway is not a directory/,
    );
    const home = mkdtempSync(join(tmpdir(), "gw-home-"));
    homes.push(home);
    mkdirSync(join(home, "gateway", "journal"), { recursive: true });
    writeFileSync(join(home, "gateway", "journal", "gw-later.jsonl"), '{"v":99}\n');
    const later = spawnSync(process.execPath, [BIN, "run", "--check", "--json"], {
      env: {
        PATH: process.env.PATH ?? "",
        HERMES_HOME: home,
        ...RELAY,
        GATEWAY_RELAY_ID: "gw-later",
      },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(later.status).toBe(2);
    expect(JSON.parse(later.stderr)).toMatchObject({ error: { code: "journal-unusable" } });
    expect(later.stderr).toContain("written by a later hermes-gateway (format 99");
    // Nothing was created or changed by the check.
    expect(readFileSync(join(home, "gateway", "journal", "gw-later.jsonl"), "utf8")).toBe(
      '{"v":99}\n',
    );
    const fresh = gw(["run", "--check"], RELAY);
    expect(fresh.code).toBe(0);
  });

  it("a relay URL with a query, a listen host the resolver would misread: named, exit 2", () => {
    const q = gw(["run", "--check"], { ...RELAY, GATEWAY_RELAY_URL: "ws://127.0.0.1:9/relay?k=x" });
    expect(q.code).toBe(2);
    expect(q.err).toContain(
      "GATEWAY_RELAY_URL (from env): a base URL (ws://127.0.0.1:9/relay?<hidden>) must not carry a query or fragment",
    );
    for (const [key, value] of [
      ["GATEWAY_HEALTH_HOST", "999.1.1.1"],
      ["GATEWAY_RELAY_INBOUND_HOST", "http://127.0.0.1"],
    ] as const) {
      const r = gw(["run", "--check"], { ...RELAY, [key]: value });
      expect(r.code).toBe(2);
      expect(r.err).toContain(`${key} (from env): expected an IP address or a host name`);
    }
  });

  it("a long secret in the wrong key is not quoted, not even cut", () => {
    const secret = "f00dfeed".repeat(8);
    const r = gw(["run", "--check"], {
      ...RELAY,
      GATEWAY_RELAY_SECRET: secret,
      GATEWAY_HEALTH_PORT: secret,
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "GATEWAY_HEALTH_PORT (from env): expected an integer from 0 to 65535, got a value of 64 characters (not shown)",
    );
    expect(r.out + r.err).not.toContain(secret.slice(0, 16));
  });

  it("an inbound port without a delivery key is a warning", () => {
    const r = gw(["run", "--check"], { ...RELAY, GATEWAY_RELAY_INBOUND_PORT: "8644" });
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      "⚠ GATEWAY_RELAY_INBOUND_PORT (from env) is set but no delivery key is: the signed-HTTP receiver needs GATEWAY_RELAY_DELIVERY_KEY",
    );
  });
});

describe("hermes-gateway run --check resolves what hermes gateway status shows", () => {
  it("same values and sources from env / .env / config.yaml; trimmed; secrets and URL queries hidden", () => {
    const r = gw(["run", "--check"], SAME_ENV, SAME_FILES);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /relay url\s+wss:\/\/env\.example\/relay\s+\[GATEWAY_RELAY_URL from env\]/,
    );
    expect(r.out).toMatch(/relay id\s+gw-dotenv\s+\[GATEWAY_RELAY_ID from \.env\]/);
    expect(r.out).toMatch(/relay secret\s+<hidden>\s+\[GATEWAY_RELAY_SECRET from \.env\]/);
    expect(r.out).toMatch(
      /delivery key\s+<hidden>\s+\[gateway\.relay_delivery_key from config\.yaml\]/,
    );
    expect(r.out).toMatch(
      /wake url\s+https:\/\/wake\.example\/w\?<hidden>\s+\[gateway\.relay_wake_url from config\.yaml\]/,
    );
    for (const s of ["fixture-secret-1", "fixture-key-2", "fixture-wake-token"])
      expect(r.out + r.err).not.toContain(s);
  });

  it("userinfo in a URL is refused (exit 2) and masked; plain ws:// off loopback needs GATEWAY_ALLOW_INSECURE_URLS", () => {
    const files = {
      "config.yaml": "gateway:\n  relay_url: wss://relay-user:fixture-pass-3@c.example/relay\n",
    };
    const r = gw(["run", "--check"], { GATEWAY_RELAY_PLATFORMS: "discord" }, files);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      "gateway.relay_url (from config.yaml): credentials in a URL (wss://<hidden>@c.example/relay) are refused",
    );
    expect(r.out + r.err).not.toMatch(/relay-user|fixture-pass-3/);
    const plain = gw(["run", "--check"], {
      GATEWAY_RELAY_URL: "ws://c.example/relay",
      GATEWAY_RELAY_PLATFORMS: "discord",
    });
    expect(plain.code).toBe(2);
    expect(plain.err).toContain(
      "GATEWAY_RELAY_URL (from env): plain ws:// to c.example, which is not loopback, is refused",
    );
    const allowed = gw(["run", "--check"], {
      GATEWAY_RELAY_URL: "ws://c.example/relay",
      GATEWAY_RELAY_PLATFORMS: "discord",
      GATEWAY_ALLOW_INSECURE_URLS: "1",
    });
    expect(allowed.code).toBe(0);
    expect(allowed.out).toMatch(/relay url\s+ws:\/\/c\.example\/relay/);
  });

  it("a YAML syntax error on the secret's line exits 2 without quoting it", () => {
    const r = gw(
      ["run", "--check"],
      {},
      { "config.yaml": 'gateway:\n  relay_secret: "fixture-yaml-secret-4" trailing\n' },
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /config\.yaml \(from .*config\.yaml\): not valid YAML: .* at line 2, column \d+/,
    );
    expect(r.out + r.err).not.toContain("fixture-yaml-secret-4");
  });
});
