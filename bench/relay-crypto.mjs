// bench/relay-crypto: @hermes/relay-crypto against raw node:crypto doing the same HMAC work.
import { createHmac, randomBytes } from "node:crypto";
import {
  makeUpgradeToken,
  signDelivery,
  verifyDeliverySignature,
  verifyToken,
} from "@hermes/relay-crypto";
import { compare } from "./harness.mjs";

const NOW = 1_750_000_000;
const secret = randomBytes(32).toString("hex");
const others = [randomBytes(32).toString("hex"), randomBytes(32).toString("hex")];
const token = makeUpgradeToken("gw-bench-instance", secret, 300, { now: NOW });
const decodedSigned = Buffer.from(token, "base64url").toString("utf8").slice(0, -65);

console.log(`# @hermes/relay-crypto (node ${process.version}, ${process.arch})`);
const rows = [];
rows.push(
  compare(
    "makeUpgradeToken",
    () => makeUpgradeToken("gw-bench-instance", secret, 300, { now: NOW }),
    () => {
      const signed = `gw-bench-instance:${NOW + 300}`;
      const sig = createHmac("sha256", secret).update(signed).digest("hex");
      return Buffer.from(`${signed}:${sig}`).toString("base64url");
    },
  ),
);
const rawVerify = (n) => () => {
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  const signed = decoded.slice(0, -65);
  for (let i = 0; i < n; i++) createHmac("sha256", secret).update(signed).digest();
  return signed === decodedSigned;
};
// The raw floor: the least work any verifier must do — decode, split off the
// signature, one HMAC to hex — with none of the checks that make verification safe.
const rawFloor = () => {
  const decoded = Buffer.from(token, "base64url").toString();
  const sigAt = decoded.lastIndexOf(":");
  const signed = decoded.slice(0, sigAt);
  return createHmac("sha256", secret).update(signed).digest("hex") === decoded.slice(sigAt + 1);
};
rows.push(compare("verifyToken, 1-secret list", () => verifyToken(token, [secret], { now: NOW }), rawVerify(1)));
rows.push(compare("verifyToken, 1-secret list vs raw floor", () => verifyToken(token, [secret], { now: NOW }), rawFloor, { target: 0.6 }));
rows.push(
  compare("verifyToken, 3-secret list (match last)", () => verifyToken(token, [...others, secret], { now: NOW }), rawVerify(3)),
);
for (const size of [1024, 1024 * 1024]) {
  const body = randomBytes(size);
  const { timestamp, signature } = signDelivery(body, secret, { now: NOW });
  rows.push(
    compare(
      `verifyDeliverySignature, ${size === 1024 ? "1 KiB" : "1 MiB"} body`,
      () => verifyDeliverySignature(body, timestamp, signature, [secret], { now: NOW }),
      () => createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest(),
      { bytes: size, ...(size > 1024 ? { target: 0.9 } : {}) },
    ),
  );
}
export default rows;
