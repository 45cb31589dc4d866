import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { photonStore } from "../src/photon/store-binding.js";
import { createHomeStore } from "../src/store.js";
import { fakeContext } from "./support/context.js";

// What `hermes photon setup` leaves for `hermes-gateway run`: PHOTON_ENABLED and the setup phone
// merged into PHOTON_ALLOWED_USERS in $HERMES_HOME/.env.
let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "hermes-penable-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("photon store: enableImessage", () => {
  it("merges the phone into PHOTON_ALLOWED_USERS, keeping every entry already there, and sets PHOTON_ENABLED", async () => {
    await writeFile(
      join(home, ".env"),
      "PHOTON_ALLOWED_USERS=me@icloud.com, +15550000001\nOTHER=kept\n",
    );
    const env = { HERMES_HOME: home };
    const store = photonStore(fakeContext({ env }), createHomeStore(env, home));
    expect(await store.enableImessage("+15551234567")).toEqual({
      allowedUsers: ["me@icloud.com", "+15550000001", "+15551234567"],
    });
    expect(await store.enableImessage("+15551234567")).toEqual({
      allowedUsers: ["me@icloud.com", "+15550000001", "+15551234567"],
    });
    const text = await readFile(join(home, ".env"), "utf8");
    expect(text).toContain("PHOTON_ALLOWED_USERS=me@icloud.com,+15550000001,+15551234567\n");
    expect(text).toContain("PHOTON_ENABLED=1\n");
    expect(text).toContain("OTHER=kept\n");
  });
});
