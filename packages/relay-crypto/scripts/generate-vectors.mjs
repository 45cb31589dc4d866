#!/usr/bin/env node
// Regenerates vectors/relay-auth.json deterministically from the built package (run `build`
// first). `--check` exits 1 when the committed file differs from what would be generated.
//
// The expected values come from this implementation; what makes them trustworthy is that the
// frozen upstream vectors (docs/contract/relay.md#byte-exact-examples) are checked first and the independent Python checker
// (scripts/check_vectors.py) must agree with every case.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as rc from "../dist/index.js";
import { seededRandom } from "@hermes/vitest-config/seeded-random";
import { evaluateCase } from "./evaluate-case.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "vectors", "relay-auth.json");

const UPSTREAM_SECRET = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const UPSTREAM_TOKEN =
  "Z3ctaW5zdGFuY2UtMTowOjM3YWE3YjE0NWU4NzY0ZDQwM2JhOWM2MzlmMjMwZGQ2M2RlOGVkOTliODhmZWQzNmFhMDI2MjVhOGE3ZTM1NjQ";
const UPSTREAM_BODY = '{"type":"message","event":{"text":"hi","source":{"chat_id":"c1"}}}';
const UPSTREAM_SIG = "ac9509c8dae52b5590f06378260877334ff1adc4b1c96bafa4b514165fae6dc6";

// Seeded, so the file is byte-identical on every run.
const rand = seededRandom(0x5eed_2026);
const int = (n) => Math.floor(rand() * n);
const pick = (xs) => xs[int(xs.length)];
const ALPHABET = [
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/ ",
  "é",
  "ß",
  "漢",
  "字",
  "🔌",
  "🚀",
  "Ω",
  "\t",
  "\u00a0",
];
const str = (min, max) =>
  Array.from({ length: min + int(max - min + 1) }, () => pick(ALPHABET)).join("");
const hexSecret = () => Array.from({ length: 64 }, () => "0123456789abcdef"[int(16)]).join("");
const b64 = (s) => Buffer.from(s, "utf8").toString("base64url");

const cases = [];
const add = (group, op, input) => {
  cases.push({
    id: `${group}-${String(cases.filter((c) => c.group === group).length + 1).padStart(3, "0")}`,
    group,
    op,
    input,
    expected: evaluate(op, input),
  });
};

const evaluate = (op, input) => evaluateCase(rc, op, input);

// Tokens: payload and secret shapes × ttl, each minted and verified around its expiry.
const NOW = 1_750_000_000;
const payloads = [
  "gw-instance-1",
  "",
  "a:b:c",
  ":",
  "::",
  "gw:with:colons:",
  "ünïcødé-γ",
  "🔌 relay 🚀",
  "x".repeat(600),
  str(1, 40),
  str(1, 40),
  str(1, 40),
];
const secrets = [
  UPSTREAM_SECRET,
  "s",
  " ",
  "pässwörd-🔑",
  "k".repeat(300),
  hexSecret(),
  str(1, 30),
];
for (const payload of payloads) {
  for (const ttl of [0, -7, 1, 300]) {
    const secret = pick(secrets);
    const now = NOW + int(1000);
    add("token-make", "makeToken", { payload, secret, ttl, now });
    const token = rc.makeToken(payload, secret, ttl, { now: now * 1000 });
    const exp = ttl > 0 ? now + ttl : 0;
    add("token-verify", "verifyToken", { token, secrets: [secret], now: exp || now + 10 ** 6 });
    if (exp) add("token-expiry", "verifyToken", { token, secrets: [secret], now: exp + 1 });
  }
}
// Fractional clocks floor; empty-secret minting never verifies.
add("token-make", "makeToken", { payload: "gw", secret: "k", ttl: 60, now: NOW + 0.999 });
add("token-verify", "verifyToken", { token: rc.makeToken("gw", "", 0), secrets: [""], now: NOW });
// Rotation lists: match first, last, after empty entries, and no match.
for (let n = 0; n < 20; n++) {
  const right = str(4, 20);
  const others = [str(4, 20), str(4, 20)];
  const token = rc.makeToken(`gw-${n}`, right, 300, { now: NOW * 1000 });
  const lists = [[right, ...others], [...others, right], ["", "", right], ["", ...others], []];
  add("token-rotation", "verifyToken", { token, secrets: lists[n % lists.length], now: NOW + 5 });
}
// Tampering: every kind of damage a transport or an attacker can do.
const victim = rc.makeToken("gw-instance-7", "rotating-secret", 300, { now: NOW * 1000 });
const decoded = Buffer.from(victim, "base64url").toString("utf8");
const tampered = [
  victim.slice(0, -1),
  victim.slice(0, 10),
  victim + "=",
  victim + "==",
  victim + "===",
  victim.replace(/^./, (c) => (c === "A" ? "B" : "A")),
  victim.slice(0, -1) + (victim.endsWith("A") ? "B" : "A"),
  victim.replace(/-/g, "+").replace(/_/g, "/"),
  "not base64 at all!",
  "",
  "====",
  "Zg",
  "Zh",
  b64(decoded.replace("gw-instance-7", "gw-instance-8")),
  b64(decoded.replace(":" + decoded.split(":")[1] + ":", ":" + (NOW + 10_000) + ":")),
  b64(decoded.toUpperCase()),
  b64(decoded + "00"),
  b64(decoded.slice(0, -2)),
  b64(decoded.replace(/:\d+:/, ":abc:")),
  b64(decoded.replace(/:\d+:/, ":1e9:")),
  b64(decoded.replace(/:(\d+):/, ": $1 :")),
  b64(decoded.replace(/:(\d+):/, ":+$1:")),
  b64(decoded.replace(/:(\d+):/, ":0$1:")),
  b64("onlyonepart"),
  b64("two:parts"),
  Buffer.from([0xff, 0xfe, 0x3a, 0x30, 0x3a, 0x61]).toString("base64url"),
];
for (let i = 0; i < 12; i++) {
  const at = int(victim.length);
  const replacement = pick(
    [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"].filter(
      (c) => c !== victim[at],
    ),
  );
  tampered.push(victim.slice(0, at) + replacement + victim.slice(at + 1));
}
for (const token of tampered)
  add("token-tampered", "verifyToken", { token, secrets: ["rotating-secret"], now: NOW + 1 });
const padded = victim + "=".repeat((4 - (victim.length % 4)) % 4);
add("token-padding", "verifyToken", { token: padded, secrets: ["rotating-secret"], now: NOW + 1 });
add("token-padding", "verifyToken", { token: victim, secrets: ["rotating-secret"], now: NOW + 1 });

// Signatures: case, length, hex validity, rotation.
for (let n = 0; n < 30; n++) {
  const payload = str(0, 50);
  const secret = str(1, 30);
  const sig = rc.sign(payload, secret);
  add("sign", "sign", { payload, secret });
  const variants = [
    sig,
    sig.toUpperCase(),
    sig.slice(0, -1),
    sig + "0",
    sig + "00",
    sig.slice(0, 62),
    "",
    "zz" + sig.slice(2),
    ` ${sig}`,
    sig.replace(/./, (c) => (c === "0" ? "1" : "0")),
  ];
  const signature = variants[n % variants.length];
  add("signature-verify", "verifySignature", {
    payload,
    signature,
    secrets: n % 3 === 0 ? ["", "other", secret] : [secret],
  });
}
add("sign", "sign", { payload: "", secret: "" });
add("sign", "sign", { payload: "1750000000." + UPSTREAM_BODY, secret: UPSTREAM_SECRET });

// Deliveries: skew window, exact bytes, rotation, malformed headers.
const bodies = [
  UPSTREAM_BODY,
  UPSTREAM_BODY + " ",
  "",
  '{"text":"héllo 🔌"}',
  '{ "type": "message" }',
  str(0, 80),
];
for (const body of bodies) {
  for (const skew of [-301, -300, 0, 300, 301]) {
    const key = pick(secrets);
    add("delivery-sign", "signDelivery", { body, key, now: NOW });
    const { timestamp, signature } = rc.signDelivery(body, key, { now: NOW * 1000 });
    add("delivery-skew", "verifyDeliverySignature", {
      body,
      timestamp,
      signature,
      keys: [key],
      now: NOW + skew,
    });
  }
}
const rawBytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0xc3, 0x28, 0x7d]); // invalid UTF-8
{
  const { timestamp, signature } = rc.signDelivery(rawBytes, "k", { now: NOW * 1000 });
  add("delivery-bytes", "signDelivery", {
    bodyB64: rawBytes.toString("base64"),
    key: "k",
    now: NOW,
  });
  add("delivery-bytes", "verifyDeliverySignature", {
    bodyB64: rawBytes.toString("base64"),
    timestamp,
    signature,
    keys: ["k"],
    now: NOW,
  });
}
{
  const body = UPSTREAM_BODY;
  const { timestamp, signature } = rc.signDelivery(body, "primary", { now: NOW * 1000 });
  const variants = [
    { keys: ["wrong"] },
    { keys: ["new", "primary"] },
    { keys: ["", "primary"] },
    { keys: [] },
    { body: body + " " },
    { body: JSON.stringify(JSON.parse(body), null, 1) },
    { timestamp: "" },
    { timestamp: null },
    { signature: null },
    { signature: "" },
    { timestamp: "abc" },
    { timestamp: `${timestamp}.0` },
    { timestamp: ` ${timestamp} ` },
    { timestamp: `+${timestamp}` },
    { timestamp: `0${timestamp}` },
    { signature: signature.toUpperCase() },
    { signature: signature.slice(1) },
    { signature: "g".repeat(64) },
    { maxSkewSeconds: 10, now: NOW + 10 },
    { maxSkewSeconds: 10, now: NOW + 11 },
    { maxSkewSeconds: 0, now: NOW },
  ];
  for (const v of variants) {
    add("delivery-verify", "verifyDeliverySignature", {
      body,
      timestamp,
      signature,
      keys: ["primary"],
      now: NOW,
      ...v,
    });
  }
}
add("upstream", "verifyDeliverySignature", {
  body: UPSTREAM_BODY,
  timestamp: "1750000000",
  signature: UPSTREAM_SIG,
  keys: [UPSTREAM_SECRET],
  now: 1750000000,
});
add("upstream", "verifyToken", { token: UPSTREAM_TOKEN, secrets: [UPSTREAM_SECRET], now: NOW });
add("upstream", "makeToken", {
  payload: "gw-instance-1",
  secret: UPSTREAM_SECRET,
  ttl: 0,
  now: NOW,
});

for (const value of [
  "x",
  "",
  " ",
  "\t\n",
  " a ",
  "\u00a0",
  "\u3000",
  "0",
  "🔌",
  null,
  42,
  true,
  ["x"],
  { s: "x" },
]) {
  add("usable-secret", "isUsableSecret", { value });
}

// Limits both halves share: Python's int() reads at most 4300 digits (leading zeros count, the
// sign does not), and runs of padding or digits are rejected, not slowly scanned.
{
  const exp = String(NOW + 300);
  const sig = rc.sign(`gw-limit:${exp}`, "limit-secret");
  for (const digits of [4300, 4301]) {
    const spelled = exp.padStart(digits, "0");
    add("limits", "verifyToken", {
      token: b64(`gw-limit:${spelled}:${sig}`),
      secrets: ["limit-secret"],
      now: NOW,
    });
    add("limits", "verifyToken", {
      token: b64(`gw-limit: +${spelled} :${sig}`),
      secrets: ["limit-secret"],
      now: NOW,
    });
  }
  const body = UPSTREAM_BODY;
  const { timestamp, signature } = rc.signDelivery(body, "limit-key", { now: NOW * 1000 });
  for (const digits of [4300, 4301]) {
    add("limits", "verifyDeliverySignature", {
      body,
      timestamp: timestamp.padStart(digits, "0"),
      signature,
      keys: ["limit-key"],
      now: NOW,
    });
  }
  const token = rc.makeToken("gw-limit", "limit-secret", 0);
  for (const forged of [
    "=".repeat(4095) + "A",
    "=".repeat(4096),
    token + "=".repeat(4 - (token.length % 4)) + "====",
    "A".repeat(4096),
  ]) {
    add("limits", "verifyToken", { token: forged, secrets: ["limit-secret"], now: NOW });
  }
}

// The frozen upstream facts must hold before anything is written.
const frozen = {
  secret: UPSTREAM_SECRET,
  token: UPSTREAM_TOKEN,
  tokenDecoded: "gw-instance-1:0:37aa7b145e8764d403ba9c639f230dd63de8ed99b88fed36aa02625a8a7e3564",
  body: UPSTREAM_BODY,
  timestamp: "1750000000",
  bodySignature: UPSTREAM_SIG,
};
if (
  rc.makeToken("gw-instance-1", UPSTREAM_SECRET, 0) !== UPSTREAM_TOKEN ||
  rc.sign(`1750000000.${UPSTREAM_BODY}`, UPSTREAM_SECRET) !== UPSTREAM_SIG
) {
  console.error(
    "✗ the built package does not reproduce the frozen upstream vectors; refusing to write",
  );
  process.exit(1);
}

const doc = {
  description:
    "Cross-language vectors for the Hermes relay channel authentication (docs/contract/relay.md#channel-authentication). HMAC-SHA256 keyed with the UTF-8 bytes of the secret string. `input.now` is unix seconds; `bodyB64` (standard base64) carries a raw byte body. Generated by scripts/generate-vectors.mjs; do not edit by hand.",
  version: 1,
  frozen,
  cases,
};
const text = JSON.stringify(doc, null, 2) + "\n";
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {}
  if (current !== text) {
    console.error(
      "✗ vectors/relay-auth.json is out of date: run `pnpm --filter @hermes/relay-crypto vectors`",
    );
    process.exit(1);
  }
  console.log(`vectors/relay-auth.json is up to date (${cases.length} cases)`);
} else {
  writeFileSync(target, text);
  console.log(`wrote ${cases.length} cases to vectors/relay-auth.json`);
}
