// The docs check on this repository (every reference resolves, every example is reproduced by
// the code), and proof on small throw-away repositories that it reports what it should.
// Fixture paths are built with `${DOCS}` so that this file holds no reference of its own.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { checkExamples } from "../lib/examples.mjs";
import { anchorsOf, linksOf } from "../lib/markdown.mjs";
import { checkReferences } from "../lib/references.mjs";
import { checkRepository } from "../lib/check.mjs";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const DOCS = "docs";
const SECTION = "\u00a7";

/** @type {string[]} */
const temps = [];
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/**
 * A throw-away repository with the given files.
 * @param {Record<string, string>} files
 */
function fixture(files) {
  const root = mkdtempSync(join(tmpdir(), "docs-check-"));
  temps.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** @param {{ file: string; line: number; message: string }[]} problems */
const show = (problems) => problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join("\n");

describe("this repository", () => {
  it("has no reference, link or example that fails", async () => {
    const { problems, checked } = await checkRepository(repo);
    assert.equal(show(problems), "");
    assert.deepEqual(checked.sort(), [
      `${DOCS}/contract/photon.md:photon-webhook-examples`,
      `${DOCS}/contract/relay.md:relay-crypto-examples`,
    ]);
  });
});

describe("anchors", () => {
  it("are GitHub's heading slugs, outside code blocks, with suffixes for repeats", () => {
    const text = [
      "# Title",
      "## auth.json",
      "## `hermes photon setup`",
      "### exec: agents' environment",
      "## Same",
      "## Same",
      "## A [link](x.md) and **bold** ##",
      '<a id="explicit"></a>',
      "```",
      "## not a heading",
      "```",
    ].join("\n");
    assert.deepEqual([...anchorsOf(text)].sort(), [
      "a-link-and-bold",
      "authjson",
      "exec-agents-environment",
      "explicit",
      "hermes-photon-setup",
      "same",
      "same-1",
      "title",
    ]);
  });

  it("links are read outside code, with titles and angle brackets removed", () => {
    const text = [
      'See [a](one.md#x "title") and `[not](code.md)` and ![img](<two words.png>).',
      "[ref]: three.md",
      "```",
      "[no](four.md)",
      "```",
    ].join("\n");
    assert.deepEqual(
      linksOf(text).map((l) => l.target),
      ["one.md#x", "two words.png", "three.md"],
    );
  });
});

describe("references", () => {
  const files = {
    [`${DOCS}/contract/a.md`]:
      "# A\n\n## Buffered delivery\n\nSee [b](b.md#missing) and [ok](#a).\n",
    [`${DOCS}/contract/b.md`]: "# B\n",
    "packages/p/package.json": "{}\n",
    "packages/p/notes.md": "# Notes\n",
    "packages/p/src/x.ts": [
      `// ${DOCS}/contract/a.md#buffered-delivery is fine`,
      `// ${DOCS}/contract/a.md#no-such-heading is not`,
      `// ${DOCS}/contract/gone.md is not either`,
      `// relay-contract.md ${SECTION}2.4 is the old external contract`,
      "// fronted by the connector (seed 002)",
      `// https://example.com/${DOCS}/remote.md is a URL, not ours to check`,
      "",
    ].join("\n"),
    "packages/p/README.md": [
      `[ok](../../${DOCS}/contract/a.md#a) [bad](../../${DOCS}/contract/a.md#nope)`,
      `[missing](../../${DOCS}/nothing.md) [dir](src) [web](https://example.com/x.md)`,
      "[notes](notes.md#notes)",
      "",
    ].join("\n"),
  };

  it("reports each broken one with its file and line, and nothing else", () => {
    const root = fixture(files);
    const problems = checkReferences(root).map((p) => `${p.file}:${p.line}: ${p.message}`);
    assert.deepEqual(problems.sort(), [
      `${DOCS}/contract/a.md:5: link b.md#missing: no heading with anchor #missing in ${DOCS}/contract/b.md`,
      `packages/p/README.md:1: ../../${DOCS}/contract/a.md#nope: no heading with anchor #nope in ${DOCS}/contract/a.md`,
      `packages/p/README.md:1: link ../../${DOCS}/contract/a.md#nope: no heading with anchor #nope in ${DOCS}/contract/a.md`,
      `packages/p/README.md:2: ../../${DOCS}/nothing.md: no such file: ${DOCS}/nothing.md`,
      `packages/p/README.md:2: link ../../${DOCS}/nothing.md: no such file: ${DOCS}/nothing.md`,
      `packages/p/src/x.ts:2: ${DOCS}/contract/a.md#no-such-heading: no heading with anchor #no-such-heading in ${DOCS}/contract/a.md`,
      `packages/p/src/x.ts:3: ${DOCS}/contract/gone.md: no such file: ${DOCS}/contract/gone.md or packages/p/${DOCS}/contract/gone.md or packages/p/src/${DOCS}/contract/gone.md`,
      "packages/p/src/x.ts:4: a numbered § section of the external contract: use docs/contract/…md#anchor",
      "packages/p/src/x.ts:4: points at relay-contract.md, which is not in the repository: use docs/contract/…md#anchor",
      "packages/p/src/x.ts:5: an upstream seed number nobody can open: name the upstream file (NousResearch/hermes-agent:<path>) or drop it",
    ]);
  });
});

describe("examples", () => {
  const block = (signature) =>
    [
      "<!-- docs-check:relay-crypto-examples -->",
      "```",
      "secret         = 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
      "token_payload  = gw-instance-1",
      "token_ttl      = 0",
      "token          = Z3ctaW5zdGFuY2UtMTowOjM3YWE3YjE0NWU4NzY0ZDQwM2JhOWM2MzlmMjMwZGQ2M2RlOGVkOTliODhmZWQzNmFhMDI2MjVhOGE3ZTM1NjQ",
      "token_decoded  = gw-instance-1:0:37aa7b145e8764d403ba9c639f230dd63de8ed99b88fed36aa02625a8a7e3564",
      'body           = {"type":"message","event":{"text":"hi","source":{"chat_id":"c1"}}}',
      "timestamp      = 1750000000",
      `signature      = ${signature}`,
      "```",
      "",
    ].join("\n");
  const good = "ac9509c8dae52b5590f06378260877334ff1adc4b1c96bafa4b514165fae6dc6";

  it("pass when @hermes/relay-crypto reproduces them", async () => {
    const root = fixture({ [`${DOCS}/x.md`]: block(good) });
    const { problems, checked } = await checkExamples(root, [`${DOCS}/x.md`]);
    assert.equal(show(problems), "");
    assert.deepEqual(checked, [`${DOCS}/x.md:relay-crypto-examples`]);
  });

  it("fail when a value was changed, when a block is unknown, and when it has no code", async () => {
    const tampered = `${good.slice(0, -1)}7`;
    const root = fixture({
      [`${DOCS}/x.md`]: block(tampered),
      [`${DOCS}/y.md`]:
        "<!-- docs-check:nobody-knows -->\n```\na = b\n```\n<!-- docs-check:photon-webhook-examples -->\ntext\n",
    });
    const { problems } = await checkExamples(root, [`${DOCS}/x.md`, `${DOCS}/y.md`]);
    assert.deepEqual(
      problems.map((p) => `${p.file}:${p.line}: ${p.message}`),
      [
        `${DOCS}/x.md:1: relay-crypto-examples: signature: sign(timestamp + "." + body) gives ${good}`,
        `${DOCS}/x.md:1: relay-crypto-examples: signature: verifySignature rejects it`,
        `${DOCS}/y.md:1: unknown example block "nobody-knows"`,
        `${DOCS}/y.md:5: example block "photon-webhook-examples" has no fenced code block after it`,
      ],
    );
  });
});
