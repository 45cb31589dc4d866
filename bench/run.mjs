// Runs every benchmark (or those named on the command line: `node run.mjs relay-crypto`).
const all = ["relay-crypto", "cli-startup", "relay-adapter", "relay-framing", "gateway", "gateway-cold-start", "relay-media", "gateway-activity", "photon-channel"];
const wanted = process.argv.slice(2);
for (const name of wanted.length ? wanted : all) {
  await import(`./${name}.mjs`);
  console.log();
}
