// bench/gateway-cold-start: spawn → the `hello` frame at the connector, for the BUILT
// `hermes-gateway run` against a bare `ws` client script doing the same dial (token, upgrade,
// hello) in the same run, rounds interleaved. The scale-to-zero wake path waits on this.
// Target: ≤ 1.3× the bare client.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ReferenceConnector } from "@hermes/relay-adapter/testing";
import {
  heading,
  median,
  printRow,
  requireBuilt,
  ROUNDS,
  setting,
  targetNote,
} from "./harness.mjs";

const BIN = fileURLToPath(new URL("../apps/gateway/dist/cli.js", import.meta.url));
const BARE = fileURLToPath(new URL("./support/bare-dial.mjs", import.meta.url));
const PER_ROUND = setting("BENCH_STARTS", 3, 1);
const TARGET = 1.3;

const built = requireBuilt(
  BIN,
  "@hermes/gateway cold start",
  "node scripts/pnpm.mjs exec turbo run build --filter=@hermes/gateway...",
);

if (built) {
  heading("@hermes/gateway cold start: spawn → hello at the connector");
  const secret = randomBytes(32).toString("hex");
  const connector = await new ReferenceConnector({
    gateways: { "gw-cold": [secret], "gw-bare": [secret] },
  }).start();
  const home = mkdtempSync(join(tmpdir(), "bench-cold-"));
  const hello = (gatewayId) =>
    connector.waitFor(
      "frame",
      (f) => f.direction === "in" && f.gatewayId === gatewayId && f.frame.type === "hello",
      30_000,
    );

  async function once(gatewayId, args, env) {
    const seen = hello(gatewayId);
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      stdio: "ignore",
      env: { PATH: process.env.PATH, ...env },
    });
    await seen;
    const dt = performance.now() - t0;
    const exited = new Promise((r) => child.on("exit", r));
    child.kill("SIGKILL");
    await exited;
    return dt;
  }
  const ours = () =>
    once("gw-cold", [BIN, "run"], {
      HERMES_HOME: home,
      GATEWAY_RELAY_URL: connector.baseUrl,
      GATEWAY_RELAY_ID: "gw-cold",
      GATEWAY_RELAY_SECRET: secret,
      GATEWAY_RELAY_PLATFORMS: "discord",
    });
  const bare = () =>
    once("gw-bare", [BARE], {
      BARE_URL: connector.baseUrl,
      BARE_ID: "gw-bare",
      BARE_SECRET: secret,
    });

  await ours(); // warm the file cache for both
  await bare();
  const a = [];
  const b = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < PER_ROUND; i++) {
      a.push(await ours());
      b.push(await bare());
    }
  }
  const ratio = median(a) / median(b);
  printRow(
    "hermes-gateway run: spawn → hello",
    `${median(a).toFixed(0)} ms`,
    `${median(b).toFixed(0)} ms`,
    ratio,
    targetNote(ratio <= TARGET, `≤ ${TARGET}×`),
  );
  await connector.stop();
  rmSync(home, { recursive: true, force: true });
}
