// Runs one vector case against an implementation of this package's API. Shared by the
// generator (against dist/) and the TypeScript test suite (against src/), so the two cannot
// drift in how they read a case. A case's `now` is unix seconds (as the Python side reads it);
// this package's clock is milliseconds like Date.now().
export function bodyOf(input) {
  return input.bodyB64 !== undefined ? Buffer.from(input.bodyB64, "base64") : input.body;
}

export function evaluateCase(rc, op, i) {
  const now = i.now === undefined ? undefined : i.now * 1000;
  switch (op) {
    case "sign":
      return rc.sign(i.payload, i.secret);
    case "makeToken":
      return rc.makeToken(i.payload, i.secret, i.ttl, { now });
    case "verifyToken":
      return rc.verifyToken(i.token, i.secrets, { now });
    case "verifySignature":
      return rc.verifySignature(i.payload, i.signature, i.secrets);
    case "signDelivery":
      return rc.signDelivery(bodyOf(i), i.key, { now });
    case "verifyDeliverySignature":
      return rc.verifyDeliverySignature(bodyOf(i), i.timestamp, i.signature, i.keys, {
        now,
        ...(i.maxSkewSeconds !== undefined ? { maxSkewSeconds: i.maxSkewSeconds } : {}),
      });
    case "isUsableSecret":
      return rc.isUsableSecret(i.value);
    default:
      throw new Error(`unknown op ${op}`);
  }
}
