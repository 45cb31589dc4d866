// Runs every benchmark (or those named on the command line: `node run.mjs relay-crypto`).
// `--smoke` runs each once with one round and tiny sizes (see harness.mjs): `npm test` uses it
// to prove every bench still runs to completion, never to judge its figures.
const all = [
  "relay-crypto",
  "cli-startup",
  "relay-adapter",
  "relay-framing",
  "gateway",
  "gateway-cold-start",
  "relay-media",
  "gateway-activity",
  "gateway-replay",
  "photon-channel",
];
const args = process.argv.slice(2);
if (args.includes("--smoke")) process.env.BENCH_SMOKE = "1";
const wanted = args.filter((a) => a !== "--smoke");
for (const name of wanted.length ? wanted : all) {
  await import(`./${name}.mjs`);
  console.log();
}
