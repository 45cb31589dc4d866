// bench/relay-media: RelayMediaClient.download (bearer, reference check, streamed into the
// cache with the size cap counted, temp file + rename, cache prune) against a raw
// fetch-to-file of the same bytes from the same ReferenceConnector (fetch with the bearer,
// Readable.fromWeb piped into a write stream). Rounds interleaved; medians; target:
// ours ≥ 0.8× the raw fetch.
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { RelayMediaClient } from "@hermes/relay-adapter";
import { publishMedia, ReferenceConnector } from "@hermes/relay-adapter/testing";
import { makeUpgradeToken } from "@hermes/relay-crypto";

// More rounds than the other benches: one round is ~0.2 s and this machine is noisy.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const PER_ROUND = Number(process.env.BENCH_MEDIA_PER_ROUND ?? 8);
const SIZE = 8 * 1024 * 1024;
const TARGET = 0.8;
const GW = "gw-bench-media";
const secret = randomBytes(32).toString("hex");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(
  `# media download to the cache, ${SIZE / 1024 / 1024} MiB objects (node ${process.version}, ${process.arch})`,
);
const connector = await new ReferenceConnector({ gateways: { [GW]: [secret] } }).start();
const dir = mkdtempSync(join(tmpdir(), "bench-media-"));
const bytes = randomBytes(SIZE);
const { url } = publishMedia(connector, bytes, { contentType: "image/png" });

const client = new RelayMediaClient({
  baseUrl: connector.baseUrl,
  gatewayId: GW,
  secret,
  cacheDir: join(dir, "cache"),
});
async function ours() {
  const r = await client.download(url, { mime: "image/png" });
  if (!r.ok || r.cached) throw new Error(r.ok ? "a cache hit: the bench must fetch" : r.message);
  rmSync(r.path); // the next download fetches again (not counted apart: the raw side keeps its files)
}

async function raw(round) {
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${makeUpgradeToken(GW, secret)}` },
  });
  const file = join(dir, `raw-${round}.png`);
  await pipeline(Readable.fromWeb(res.body), createWriteStream(file));
  rmSync(file);
}

async function timeRound(fn, round) {
  const t0 = performance.now();
  for (let i = 0; i < PER_ROUND; i++) await fn(`${round}-${i}`);
  return (PER_ROUND * SIZE) / ((performance.now() - t0) / 1000);
}

for (let i = 0; i < 2; i++) {
  await ours();
  await raw(`warm${i}`);
}
const a = [];
const b = [];
for (let r = 0; r < ROUNDS; r++) {
  // Alternate which side goes first: the machine's noise should not favour one.
  if (r % 2 === 0) {
    a.push(await timeRound(ours, r));
    b.push(await timeRound(raw, r));
  } else {
    b.push(await timeRound(raw, r));
    a.push(await timeRound(ours, r));
  }
}
const oursBps = median(a);
const rawBps = median(b);
const ratio = oursBps / rawBps;
const fmt = (bps) => `${(bps / 1e6).toFixed(1)} MB/s`;
console.log(
  `${"download 8 MiB to the media cache".padEnd(44)} ours ${fmt(oursBps).padStart(16)}   baseline ${fmt(rawBps).padStart(16)}   ratio ${ratio.toFixed(2)}×  (target ≥ ${TARGET}×: ${ratio >= TARGET ? "met" : "NOT met"})`,
);
await connector.stop();
rmSync(dir, { recursive: true, force: true });
