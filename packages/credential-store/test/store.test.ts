// Real files in temp homes: auth.json preservation and refusal, .env modes and managed
// refusal, the Photon credential shapes and overrides, the summaries, and secret hygiene.
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  clearPhotonToken,
  credentialSummary,
  loadPhotonToken,
  loadProjectCredentials,
  persistWebhookSigningSecret,
  readAuth,
  readEnvFile,
  resolveEnvValue,
  setEnvValue,
  setEnvValues,
  storePhotonToken,
  storeProjectCredentials,
  unsetEnvValues,
  updateAuth,
} from "../src/index.js";
import { caught, useTempDirs } from "./support/temp.js";

const TOKEN = "photon-dashboard-token-SECRET-1";
const PROJECT_SECRET = "photon-project-secret-SECRET-2";
const WEBHOOK_SECRET = "whsec-SECRET-3";
const RELAY_SECRET = "relay-secret-SECRET-4";
const ALL_SECRETS = [TOKEN, PROJECT_SECRET, WEBHOOK_SECRET, RELAY_SECRET];

const tempDir = useTempDirs("cred-store-");
const home = (): string => join(tempDir(), "hermes"); // not created yet: writers must create it
const mode = (p: string) => statSync(p).mode & 0o777;
function expectNoSecret(text: string): void {
  for (const s of ALL_SECRETS) expect(text).not.toContain(s);
}

describe("auth.json", () => {
  it("keeps unknown keys and other tools' pools, writes sorted pretty JSON with mode 0600", async () => {
    const h = home();
    mkdirSync(h, { recursive: true });
    writeFileSync(
      join(h, "auth.json"),
      JSON.stringify({
        zeta: { keep: [1, 2] },
        credential_pool: { nous: [{ access_token: "n" }] },
        "10": "ten",
      }),
    );
    await storePhotonToken(h, TOKEN, { now: () => 1_763_000_000_000 });
    const doc = await readAuth(h);
    expect(doc).toEqual({
      "10": "ten",
      zeta: { keep: [1, 2] },
      credential_pool: {
        nous: [{ access_token: "n" }],
        photon: [{ access_token: TOKEN, issued_at: 1_763_000_000 }],
      },
    });
    const text = readFileSync(join(h, "auth.json"), "utf8");
    expect(text.indexOf('"10"')).toBeLessThan(text.indexOf('"credential_pool"'));
    expect(text).toContain('\n  "zeta": {\n    "keep": [\n      1,');
    expect(mode(join(h, "auth.json"))).toBe(0o600);
  });

  it("updateAuth accepts a returned document or a mutated draft, and reads {} for a missing or empty file", async () => {
    const h = home();
    expect(await readAuth(h)).toEqual({});
    await updateAuth(h, () => ({ a: 1 }));
    await updateAuth(h, (d) => {
      d["b"] = 2;
    });
    expect(await readAuth(h)).toEqual({ a: 1, b: 2 });
    writeFileSync(join(h, "auth.json"), "  \n");
    expect(await readAuth(h)).toEqual({});
  });

  it.each([
    ["not JSON", "{ this is not json"],
    ["a JSON array", "[1,2,3]"],
    ["truncated", '{"credential_pool": {"photon": [{"access_token": "'],
  ])(
    "a corrupt file (%s) is reported with a typed error naming it and never overwritten",
    async (_label, content) => {
      const h = home();
      mkdirSync(h, { recursive: true });
      const path = join(h, "auth.json");
      writeFileSync(path, content);
      const read = await caught(readAuth(h));
      expect(read.code).toBe("AUTH_FILE_CORRUPT");
      expect(read.message).toContain(path);
      const write = await caught(storePhotonToken(h, TOKEN));
      expect(write.code).toBe("AUTH_FILE_CORRUPT");
      expectNoSecret(write.message);
      expect(readFileSync(path, "utf8")).toBe(content);
      expect(await caught(loadPhotonToken(h))).toMatchObject({ code: "AUTH_FILE_CORRUPT" });
    },
  );

  it("an unreadable auth.json (a directory here) is reported, not treated as empty", async () => {
    const h = home();
    mkdirSync(join(h, "auth.json"), { recursive: true });
    expect(await caught(readAuth(h))).toMatchObject({
      code: "AUTH_FILE_UNREADABLE",
      path: join(h, "auth.json"),
    });
    expect(await caught(updateAuth(h, () => ({})))).toMatchObject({ code: "AUTH_FILE_UNREADABLE" });
  });
});

describe("locking", () => {
  it("a writer that lost its lock (stalled past staleMs, lock taken over) writes nothing and says so", async () => {
    const h = home();
    await updateAuth(h, () => ({ before: true }));
    const path = join(h, "auth.json");
    const original = readFileSync(path, "utf8");
    const e = await caught(
      updateAuth(
        h,
        async (d) => {
          rmSync(`${path}.lock`, { recursive: true, force: true }); // what a takeover does to us
          // The stall itself: the library notices at its next refresh (1 s after the lock was
          // taken); 2.5 s leaves room for a loaded machine running its timer late.
          await new Promise((r) => setTimeout(r, 2_500));
          d["after"] = TOKEN;
        },
        { staleMs: 2_000 },
      ),
    );
    expect(e).toMatchObject({ code: "LOCK_COMPROMISED", path });
    expectNoSecret(e.message);
    expect(readFileSync(path, "utf8")).toBe(original);
  });

  it("bad arguments are typed errors that write nothing", async () => {
    const h = home();
    expect(await caught(storePhotonToken(h, "  "))).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(
      await caught(storeProjectCredentials(h, { projectId: "p", projectSecret: "" })),
    ).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await caught(updateAuth(h, () => [] as unknown as Record<string, never>))).toMatchObject(
      { code: "INVALID_ARGUMENT" },
    );
    expect(await caught(setEnvValue(h, "K", 5 as unknown as string, { env: {} }))).toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    expect(await readAuth(h)).toEqual({});
    expect((await readEnvFile(h)).size).toBe(0);
  });
});

describe(".env", () => {
  it("creates the file 0600, tightens an existing group-readable one to 0600, and reads back what it wrote", async () => {
    const h = home();
    await setEnvValues(
      h,
      [
        ["GATEWAY_RELAY_SECRET", RELAY_SECRET],
        ["NOTE", "two words # and hash"],
      ],
      { env: {} },
    );
    expect(mode(join(h, ".env"))).toBe(0o600);
    chmodSync(join(h, ".env"), 0o640);
    await setEnvValue(h, "GATEWAY_RELAY_ID", "gw-1", { env: {} });
    expect(mode(join(h, ".env"))).toBe(0o600);
    expect(Object.fromEntries(await readEnvFile(h))).toEqual({
      GATEWAY_RELAY_SECRET: RELAY_SECRET,
      NOTE: "two words # and hash",
      GATEWAY_RELAY_ID: "gw-1",
    });
  });

  it("refuses in a managed install with a clear message and changes nothing", async () => {
    const h = home();
    mkdirSync(h, { recursive: true });
    writeFileSync(join(h, ".env"), "A=1\n");
    const viaEnv = await caught(
      setEnvValue(h, "GATEWAY_RELAY_SECRET", RELAY_SECRET, { env: { HERMES_MANAGED: "1" } }),
    );
    expect(viaEnv.code).toBe("MANAGED_INSTALL");
    expect(viaEnv.message).toContain("managed Hermes install (HERMES_MANAGED is set)");
    expectNoSecret(viaEnv.message);
    writeFileSync(join(h, ".managed"), "");
    expect((await caught(setEnvValue(h, "A", "2", { env: {} }))).message).toContain(
      ".managed exists",
    );
    expect(readFileSync(join(h, ".env"), "utf8")).toBe("A=1\n");
  });

  it("rejects invalid key names with ENV_KEY_INVALID, naming only the key", async () => {
    const h = home();
    for (const key of ["1ABC", "A-B", "", "A B", "SECRET=x"]) {
      const e = await caught(setEnvValue(h, key, RELAY_SECRET, { env: {} }));
      expect(e.code).toBe("ENV_KEY_INVALID");
      expectNoSecret(e.message);
    }
  });

  it("unsetEnvValues removes only the named keys (0600), a missing file is a no-op, managed refuses", async () => {
    const h = home();
    expect(await unsetEnvValues(h, ["GATEWAY_RELAY_SECRET"], { env: {} })).toEqual([]);
    mkdirSync(h, { recursive: true });
    writeFileSync(
      join(h, ".env"),
      `# mine\nOPENAI_API_KEY=sk-keep\nGATEWAY_RELAY_SECRET=${RELAY_SECRET}\nOTHER=1\n`,
      { mode: 0o644 },
    );
    expect(
      await unsetEnvValues(h, ["GATEWAY_RELAY_SECRET", "GATEWAY_RELAY_ID"], { env: {} }),
    ).toEqual(["GATEWAY_RELAY_SECRET"]);
    expect(readFileSync(join(h, ".env"), "utf8")).toBe("# mine\nOPENAI_API_KEY=sk-keep\nOTHER=1\n");
    expect(mode(join(h, ".env"))).toBe(0o600);
    const err = await caught(unsetEnvValues(h, ["OTHER"], { env: { HERMES_MANAGED: "1" } }));
    expect(err).toMatchObject({ code: "MANAGED_INSTALL" });
    expect(readFileSync(join(h, ".env"), "utf8")).toContain("OTHER=1");
  });

  it("resolveEnvValue: the real environment wins over .env; empty means unset", async () => {
    const h = home();
    await setEnvValue(h, "X", "from-file", { env: {} });
    expect(await resolveEnvValue(h, "X", {})).toBe("from-file");
    expect(await resolveEnvValue(h, "X", { X: "from-env" })).toBe("from-env");
    expect(await resolveEnvValue(h, "X", { X: "" })).toBe("from-file");
    expect(await resolveEnvValue(h, "Y", {})).toBeUndefined();
  });
});

describe("Photon credentials", () => {
  it("reads the token from access_token, token, or the legacy providers shape; clearing keeps other keys", async () => {
    const h = home();
    expect(await loadPhotonToken(h)).toBeNull();
    await updateAuth(h, () => ({
      providers: { photon: { access_token: "legacy", other: 1 } },
      keep: true,
    }));
    expect(await loadPhotonToken(h)).toBe("legacy");
    await updateAuth(h, (d) => {
      d["credential_pool"] = { photon: [{ token: "alias" }] };
    });
    expect(await loadPhotonToken(h)).toBe("alias");
    await storePhotonToken(h, TOKEN);
    expect(await loadPhotonToken(h)).toBe(TOKEN);
    await clearPhotonToken(h);
    expect(await loadPhotonToken(h)).toBeNull();
    expect(await readAuth(h)).toEqual({
      providers: { photon: { other: 1 } },
      keep: true,
      credential_pool: {},
    });
  });

  it("project: both env halves win; one env half overrides only itself; else the stored pool", async () => {
    const h = home();
    await storeProjectCredentials(
      h,
      { projectId: "proj-stored", projectSecret: PROJECT_SECRET },
      { name: "Hermes", dashboard_project_id: "d1" },
      { now: () => 5_000 },
    );
    expect(await loadProjectCredentials(h, {})).toEqual({
      projectId: "proj-stored",
      projectSecret: PROJECT_SECRET,
      idSource: "auth.json",
      secretSource: "auth.json",
      extra: { name: "Hermes", dashboard_project_id: "d1", issued_at: 5 },
    });
    expect(
      await loadProjectCredentials(h, {
        PHOTON_PROJECT_ID: "env-id",
        PHOTON_PROJECT_SECRET: "env-secret",
      }),
    ).toMatchObject({
      projectId: "env-id",
      projectSecret: "env-secret",
      idSource: "env",
      secretSource: "env",
    });
    expect(await loadProjectCredentials(h, { PHOTON_PROJECT_ID: "env-id" })).toMatchObject({
      projectId: "env-id",
      projectSecret: PROJECT_SECRET,
      idSource: "env",
      secretSource: "auth.json",
    });
    await setEnvValue(h, "PHOTON_PROJECT_SECRET", "dotenv-secret", { env: {} });
    expect(await loadProjectCredentials(h, {})).toMatchObject({
      projectId: "proj-stored",
      projectSecret: "dotenv-secret",
      secretSource: ".env",
    });
  });
});

describe("summaries never carry a secret", () => {
  it("credentialSummary uses only the display literals (and ids)", async () => {
    const h = home();
    const empty = await credentialSummary(h, {});
    expect(empty).toEqual({
      photon: {
        device_token: "✗ missing (run `hermes photon setup`)",
        project_id: "✗ missing",
        project_key: "✗ missing",
        webhook_key: "⚠ unset — verification disabled",
      },
      relay: { gateway_id: "✗ missing", secret: "✗", delivery_key: "✗" },
    });
    await storePhotonToken(h, TOKEN);
    await storeProjectCredentials(h, { projectId: "proj-1", projectSecret: PROJECT_SECRET });
    await setEnvValues(
      h,
      [
        ["PHOTON_WEBHOOK_SECRET", WEBHOOK_SECRET],
        ["GATEWAY_RELAY_ID", "gw-a"],
        ["GATEWAY_RELAY_SECRET", RELAY_SECRET],
      ],
      { env: {} },
    );
    const full = await credentialSummary(h, {});
    expect(full).toEqual({
      photon: {
        device_token: "✓ stored",
        project_id: "proj-1",
        project_key: "✓ stored",
        webhook_key: "✓ set",
      },
      relay: { gateway_id: "gw-a", secret: "✓", delivery_key: "✗" },
    });
    expectNoSecret(JSON.stringify(full));
    // An empty real env value counts as unset, so the .env value still shows.
    expect(
      (await credentialSummary(h, { GATEWAY_RELAY_SECRET: "", PHOTON_WEBHOOK_SECRET: "" })).relay
        .secret,
    ).toBe("✓");
    expect((await credentialSummary(h, { PHOTON_WEBHOOK_SECRET: "" })).photon.webhook_key).toBe(
      "✓ set",
    );
  });

  it("persistWebhookSigningSecret saves signingSecret (else secret) and reports only a redacted summary", async () => {
    const h = home();
    const r = await persistWebhookSigningSecret(
      h,
      { id: "wh_1", url: "https://x", signingSecret: WEBHOOK_SECRET },
      { env: {} },
    );
    expect(r.saved).toBe(true);
    expect(r.summary.join("\n")).toContain('"signingSecret": "<redacted>"');
    expect(r.summary.join("\n")).toContain(`signing key saved to ${join(h, ".env")}`);
    expectNoSecret(r.summary.join("\n"));
    expect((await readEnvFile(h)).get("PHOTON_WEBHOOK_SECRET")).toBe(WEBHOOK_SECRET);
    const alt = await persistWebhookSigningSecret(
      h,
      { id: "wh_2", secret: "second-" + WEBHOOK_SECRET },
      { env: {} },
    );
    expect(alt.saved).toBe(true);
    expectNoSecret(alt.summary.join("\n"));
    expect(await persistWebhookSigningSecret(h, { id: "wh_3" }, { env: {} })).toMatchObject({
      saved: false,
    });
    expect(await persistWebhookSigningSecret(h, "nope", { env: {} })).toMatchObject({
      saved: false,
    });
    const managed = await caught(
      persistWebhookSigningSecret(
        h,
        { signingSecret: WEBHOOK_SECRET },
        { env: { HERMES_MANAGED: "yes" } },
      ),
    );
    expectNoSecret(managed.message);
  });
});
