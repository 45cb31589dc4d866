import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempHome } from "./support/temp-home.js";
import { run } from "../src/program.js";
import { fakeContext } from "./support/context.js";

const home = useTempHome("hermes-pstatus-");

describe("photon status", () => {
  it("nothing stored: the ✗ / ⚠ literals", async () => {
    const ctx = fakeContext({ env: { HERMES_HOME: home() } });
    expect(await run(["photon", "status"], ctx)).toBe(0);
    expect(ctx.out()).toBe(
      [
        "Photon iMessage status",
        "──────────────────────",
        " device token : ✗ missing (run `hermes photon setup`)",
        " project id   : ✗ missing",
        " project key  : ✗ missing",
        " webhook key  : ⚠ unset — verification disabled",
        "",
      ].join("\n"),
    );
  });

  it("stored credentials: ✓ literals and the project id, never a secret", async () => {
    await writeFile(
      join(home(), "auth.json"),
      JSON.stringify({
        credential_pool: {
          photon: [{ access_token: "PHOTON-TOKEN-SECRET", issued_at: 1 }],
          photon_project: [{ project_id: "proj-123", project_secret: "PROJECT-SECRET-VALUE" }],
        },
      }),
    );
    await writeFile(join(home(), ".env"), "PHOTON_WEBHOOK_SECRET=WEBHOOK-SECRET-VALUE\n");
    const ctx = fakeContext({ env: { HERMES_HOME: home() } });
    expect(await run(["photon", "status", "--json"], ctx)).toBe(0);
    expect(JSON.parse(ctx.out())).toEqual({
      deviceToken: true,
      projectId: "proj-123",
      projectKey: true,
      webhookKey: true,
      summary: {
        device_token: "✓ stored",
        project_id: "proj-123",
        project_key: "✓ stored",
        webhook_key: "✓ set",
      },
    });
    for (const s of ["PHOTON-TOKEN-SECRET", "PROJECT-SECRET-VALUE", "WEBHOOK-SECRET-VALUE"])
      expect(ctx.out() + ctx.err()).not.toContain(s);
  });

  it("env overrides: both halves win together; one half overrides only itself; legacy token shape is read", async () => {
    await writeFile(
      join(home(), "auth.json"),
      JSON.stringify({
        providers: { photon: { access_token: "LEGACY" } },
        credential_pool: {
          photon_project: [{ project_id: "file-id", project_secret: "file-secret" }],
        },
      }),
    );
    const both = fakeContext({
      env: {
        HERMES_HOME: home(),
        PHOTON_PROJECT_ID: "env-id",
        PHOTON_PROJECT_SECRET: "env-secret",
      },
    });
    await run(["photon", "status", "--json"], both);
    expect(JSON.parse(both.out())).toMatchObject({
      deviceToken: true,
      projectId: "env-id",
      projectKey: true,
    });
    const half = fakeContext({ env: { HERMES_HOME: home(), PHOTON_PROJECT_ID: "env-id" } });
    await run(["photon", "status", "--json"], half);
    expect(JSON.parse(half.out())).toMatchObject({ projectId: "env-id", projectKey: true });
  });
});
