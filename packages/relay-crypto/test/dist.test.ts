// The built package must load both ways a consumer loads it: ESM import() and CJS require(),
// through its own name and exports map (a self-reference), exactly as a dependent would.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const probe = `
  const names = ["sign","verifySignature","makeToken","makeUpgradeToken","verifyToken","signDelivery","verifyDeliverySignature","isUsableSecret"];
  const report = (m) => JSON.stringify({
    fns: names.filter((n) => typeof m[n] === "function"),
    consts: [m.DELIVERY_TS_HEADER, m.DELIVERY_SIG_HEADER, m.DEFAULT_UPGRADE_TTL_SECONDS, m.DEFAULT_MAX_SKEW_SECONDS],
    token: m.makeToken("gw", "k", 0),
  });`;
const node = (args: string[]) =>
  JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: "utf8" }));

describe("built package", () => {
  const expected = {
    fns: [
      "sign",
      "verifySignature",
      "makeToken",
      "makeUpgradeToken",
      "verifyToken",
      "signDelivery",
      "verifyDeliverySignature",
      "isUsableSecret",
    ],
    consts: ["x-relay-timestamp", "x-relay-signature", 300, 300],
  };

  it("loads with require()", () => {
    const out = node(["-e", `${probe} console.log(report(require("@hermes/relay-crypto")))`]);
    expect(out).toMatchObject(expected);
  });

  it("loads with import() and gives the same bytes", () => {
    const esm = node([
      "--input-type=module",
      "-e",
      `${probe} console.log(report(await import("@hermes/relay-crypto")))`,
    ]);
    const cjs = node(["-e", `${probe} console.log(report(require("@hermes/relay-crypto")))`]);
    expect(esm).toMatchObject(expected);
    expect(esm.token).toBe(cjs.token);
  });

  it("exports the vectors file and nothing unexported", () => {
    const out = node([
      "-e",
      `const v = require("@hermes/relay-crypto/vectors/relay-auth.json");
       let deep = "loaded"; try { require("@hermes/relay-crypto/dist/index.cjs"); } catch (e) { deep = e.code; }
       console.log(JSON.stringify({ cases: v.cases.length, deep }))`,
    ]);
    expect(out.cases).toBeGreaterThanOrEqual(300);
    expect(out.deep).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED");
  });
});
