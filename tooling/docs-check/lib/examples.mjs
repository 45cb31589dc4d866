// Byte-exact examples in the contract docs, recomputed with the packages that implement them.
// A block is marked in the Markdown with `<!-- docs-check:<name> -->` right before a fenced
// code block of `name = value` lines; each known name has a checker below. Only clock-free
// functions are called, so the examples do not depend on how a package takes its clock.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { proseLines } from "./markdown.mjs";

/** @typedef {import("./references.mjs").Problem} Problem */
/** @typedef {{ line: number; name: string; value: string }} Entry */

const MARKER = "<!-- docs-check:";

/**
 * The marked example blocks of a Markdown text.
 * @param {string} text
 * @returns {{ name: string; line: number; entries: Entry[] | null }[]}
 */
export function exampleBlocks(text) {
  const lines = text.split("\n");
  /** @type {{ name: string; line: number; entries: Entry[] | null }[]} */
  const blocks = [];
  const prose = new Set(proseLines(text).map((l) => l.line));
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (!prose.has(i + 1) || !line.startsWith(MARKER) || !line.endsWith("-->")) continue;
    const name = line.slice(MARKER.length, -3).trim();
    let open = i + 1;
    while (open < lines.length && (lines[open] ?? "").trim() === "") open++;
    if (!(lines[open] ?? "").trimStart().startsWith("```")) {
      blocks.push({ name, line: i + 1, entries: null });
      continue;
    }
    /** @type {Entry[]} */
    const entries = [];
    let at = open + 1;
    for (; at < lines.length && !(lines[at] ?? "").trimStart().startsWith("```"); at++) {
      const raw = lines[at] ?? "";
      const eq = raw.indexOf(" = ");
      if (eq === -1) continue;
      entries.push({
        line: at + 1,
        name: raw.slice(0, eq).trim(),
        value: raw.slice(eq + 3).trim(),
      });
    }
    blocks.push({ name, line: i + 1, entries });
    i = at;
  }
  return blocks;
}

/**
 * @param {Entry[]} entries
 * @param {string} name
 */
function valueOf(entries, name) {
  const entry = entries.find((e) => e.name === name);
  return entry === undefined ? null : entry.value;
}

/**
 * docs/contract/relay.md#byte-exact-examples
 * @param {Entry[]} entries
 * @returns {Promise<string[]>}
 */
async function checkRelayCrypto(entries) {
  const { makeToken, verifyToken, sign, verifySignature } = await import("@hermes/relay-crypto");
  const get = (/** @type {string} */ name) => valueOf(entries, name);
  const [secret, payload, ttl, token, decoded, body, timestamp, signature] = [
    "secret",
    "token_payload",
    "token_ttl",
    "token",
    "token_decoded",
    "body",
    "timestamp",
    "signature",
  ].map(get);
  if ([secret, payload, ttl, token, decoded, body, timestamp, signature].includes(null)) {
    return [
      "expected secret, token_payload, token_ttl, token, token_decoded, body, timestamp, signature",
    ];
  }
  const s = /** @type {string} */ (secret);
  /** @type {string[]} */
  const errors = [];
  const minted = makeToken(/** @type {string} */ (payload), s, Number(ttl));
  if (minted !== token) errors.push(`token: makeToken gives ${minted}`);
  const text = Buffer.from(/** @type {string} */ (token), "base64url").toString("utf8");
  if (text !== decoded) errors.push(`token_decoded: the token decodes to ${text}`);
  if (verifyToken(/** @type {string} */ (token), [s]) !== payload)
    errors.push("token: verifyToken does not return token_payload");
  const signed = `${timestamp}.${body}`;
  const computed = sign(signed, s);
  if (computed !== signature)
    errors.push(`signature: sign(timestamp + "." + body) gives ${computed}`);
  if (!verifySignature(signed, /** @type {string} */ (signature), [s]))
    errors.push("signature: verifySignature rejects it");
  return errors;
}

/**
 * docs/contract/photon.md#webhook-signatures: each `signature` is that of the `body` before it.
 * @param {Entry[]} entries
 * @returns {Promise<string[]>}
 */
async function checkPhotonWebhook(entries) {
  const { computeWebhookSignature } = await import("@hermes/photon-api/webhook");
  const secret = valueOf(entries, "secret");
  const timestamp = valueOf(entries, "timestamp");
  if (secret === null || timestamp === null) return ["expected secret and timestamp"];
  /** @type {string[]} */
  const errors = [];
  let body = null;
  let pairs = 0;
  for (const entry of entries) {
    if (entry.name === "body") body = entry.value;
    if (entry.name !== "signature") continue;
    if (body === null) {
      errors.push(`line ${entry.line}: a signature without a body before it`);
      continue;
    }
    pairs++;
    const computed = computeWebhookSignature(secret, timestamp, body);
    if (computed !== entry.value)
      errors.push(`line ${entry.line}: computeWebhookSignature gives ${computed}`);
    body = null;
  }
  if (pairs === 0) errors.push("expected body/signature pairs");
  return errors;
}

/** @type {Record<string, (entries: Entry[]) => Promise<string[]>>} */
const CHECKERS = {
  "relay-crypto-examples": checkRelayCrypto,
  "photon-webhook-examples": checkPhotonWebhook,
};

/**
 * Check every marked example block of the given Markdown files.
 * @param {string} root
 * @param {string[]} files repository-relative Markdown files
 * @returns {Promise<{ problems: Problem[]; checked: string[] }>}
 */
export async function checkExamples(root, files) {
  /** @type {Problem[]} */
  const problems = [];
  /** @type {string[]} */
  const checked = [];
  for (const file of files) {
    for (const block of exampleBlocks(readFileSync(join(root, file), "utf8"))) {
      const checker = CHECKERS[block.name];
      if (checker === undefined) {
        problems.push({ file, line: block.line, message: `unknown example block "${block.name}"` });
      } else if (block.entries === null) {
        problems.push({
          file,
          line: block.line,
          message: `example block "${block.name}" has no fenced code block after it`,
        });
      } else {
        checked.push(`${file}:${block.name}`);
        for (const message of await checker(block.entries)) {
          problems.push({ file, line: block.line, message: `${block.name}: ${message}` });
        }
      }
    }
  }
  return { problems, checked };
}
