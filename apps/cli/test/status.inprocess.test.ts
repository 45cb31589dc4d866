import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempHome } from "./support/temp-home.js";
import { run } from "../src/program.js";
import { fakeContext } from "./support/context.js";

const home = useTempHome("hermes-status-");

describe("gateway status", () => {
  it("nothing configured: defaults, ✗ secrets, a next step", async () => {
    const ctx = fakeContext({ env: { HERMES_HOME: home() }, hostname: "box" });
    expect(await run(["gateway", "status"], ctx)).toBe(0);
    const out = ctx.out();
    expect(out).toMatch(/relay url\s+: ✗ not configured/);
    expect(out).toMatch(/gateway id\s+: gw-box\s+\(default\)/);
    expect(out).toMatch(/secret\s+: ✗ missing/);
    expect(out).toMatch(/managed\s+: no/);
    expect(out).toContain("hermes gateway enroll");
  });

  it("reports each value's source (env / .env / config.yaml) and never a secret", async () => {
    await writeFile(
      join(home(), ".env"),
      "GATEWAY_RELAY_SECRET=S3CRET-VALUE\nGATEWAY_RELAY_ID=gw-from-dotenv\n",
    );
    await writeFile(
      join(home(), "config.yaml"),
      "gateway:\n  relay_url: wss://from-config/relay\n  relay_delivery_key: K3Y-VALUE\n  relay_wake_url: https://wake.example/w?t=WAKETOKEN\nplatforms:\n  relay:\n    enabled: false\n",
    );
    const ctx = fakeContext({
      env: { HERMES_HOME: home(), GATEWAY_RELAY_URL: "wss://from-env/relay/" },
    });
    expect(await run(["gateway", "status", "--json"], ctx)).toBe(0);
    const s = JSON.parse(ctx.out());
    expect(s).toEqual({
      home: home(),
      managed: false,
      managedReason: null,
      enabled: false,
      relayUrl: { value: "wss://from-env/relay", source: "env" },
      gatewayId: { value: "gw-from-dotenv", source: ".env" },
      secret: { set: true, source: ".env" },
      deliveryKey: { set: true, source: "config.yaml" },
      wakeUrl: { value: "https://wake.example/w?<hidden>", source: "config.yaml" },
      platforms: { value: [], source: "default" },
      configError: null,
      canStart: true,
    });
    const text = fakeContext({ env: { HERMES_HOME: home(), HERMES_MANAGED: "yes" } });
    expect(await run(["gateway", "status"], text)).toBe(0);
    expect(text.out()).toMatch(/secret\s+: ✓ set\s+\(\.env\)/);
    expect(text.out()).toMatch(/managed\s+: yes \(HERMES_MANAGED is set\)/);
    expect(text.out()).toContain("disabled (platforms.relay.enabled: false)");
    for (const c of [ctx, text]) {
      for (const secret of ["S3CRET-VALUE", "K3Y-VALUE", "WAKETOKEN"])
        expect(c.out() + c.err()).not.toContain(secret);
    }
  });

  it("a broken config.yaml is a warning; the rest is still reported", async () => {
    await writeFile(join(home(), "config.yaml"), "gateway: [oops\n");
    const ctx = fakeContext({ env: { HERMES_HOME: home(), GATEWAY_RELAY_SECRET: "x" } });
    expect(await run(["gateway", "status", "--json"], ctx)).toBe(0);
    expect(ctx.err()).toMatch(
      /⚠ Invalid configuration: config\.yaml \(from .*\): not valid YAML: .* at line \d+, column \d+/,
    );
    expect(JSON.parse(ctx.out()).configError).toMatch(/not valid YAML/);
  });
});
