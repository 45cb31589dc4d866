#!/usr/bin/env node
// A walk through both halves of the relay channel authentication, with the cross-language
// check at the end. Prints no secret: the demo secret is generated fresh and shown as <hidden>.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as rc from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const secret = randomBytes(32).toString("hex");
const now = Date.now(); // the clock is milliseconds, like Date.now()
const ok = (b) => (b ? "✓" : "✗");

console.log("Hermes relay channel authentication (@hermes/relay-crypto)\n");
console.log(`gateway secret            <hidden> (fresh, ${secret.length} chars)`);
const token = rc.makeUpgradeToken("gw-demo", secret, rc.DEFAULT_UPGRADE_TTL_SECONDS, { now });
console.log(
  `upgrade token             ${token.slice(0, 24)}… (${token.length} chars, valid ${rc.DEFAULT_UPGRADE_TTL_SECONDS} s)`,
);
console.log(
  `connector verifies it     ${ok(rc.verifyToken(token, [secret], { now }) === "gw-demo")} payload "gw-demo"`,
);
console.log(
  `… after a rotation        ${ok(rc.verifyToken(token, [randomBytes(8).toString("hex"), secret], { now }) === "gw-demo")} old secret still in the verify list`,
);
console.log(
  `… one second past expiry  ${ok(rc.verifyToken(token, [secret], { now: now + 301_000 }) === null)} rejected`,
);

const body = JSON.stringify({ type: "message", event: { text: "hi", source: { chat_id: "c1" } } });
const headers = rc.signDelivery(body, secret, { now });
console.log(
  `\ndelivery signed           ${rc.DELIVERY_TS_HEADER}: ${headers.timestamp}, ${rc.DELIVERY_SIG_HEADER}: ${headers.signature.slice(0, 12)}…`,
);
console.log(
  `gateway verifies it       ${ok(rc.verifyDeliverySignature(body, headers.timestamp, headers.signature, [secret], { now }))}`,
);
console.log(
  `… re-serialized body      ${ok(!rc.verifyDeliverySignature(JSON.stringify(JSON.parse(body), null, 1), headers.timestamp, headers.signature, [secret], { now }))} rejected (exact bytes only)`,
);

const S = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const frozen =
  rc.makeToken("gw-instance-1", S, 0) ===
  "Z3ctaW5zdGFuY2UtMTowOjM3YWE3YjE0NWU4NzY0ZDQwM2JhOWM2MzlmMjMwZGQ2M2RlOGVkOTliODhmZWQzNmFhMDI2MjVhOGE3ZTM1NjQ";
console.log(
  `\nupstream frozen vectors   ${ok(frozen)} TypeScript reproduces the connector's token byte for byte`,
);
const py = spawnSync(
  "python3",
  [join(here, "check_vectors.py"), join(here, "..", "vectors", "relay-auth.json")],
  { encoding: "utf8" },
);
const line = (py.stdout ?? "").trim().split("\n").pop() ?? "";
console.log(
  `independent Python check  ${ok(py.status === 0)} ${py.error ? `python3 not available (${py.error.message})` : line}`,
);
process.exit(frozen && py.status === 0 ? 0 : 1);
