// bench/gateway-replay: the wake path's backlog. N messages buffered at a ReferenceConnector
// (this process) while no gateway is connected, then the BUILT hermes-gateway started (`run`,
// echo agent): time from its handshake to the last `inbound_ack` and to the last reply. The
// gateway acks a replayed message only once its turn is recorded in the journal and fsync'd.
// Baseline: the bare RelayAdapter echo (bench/support/echo-adapter.mjs) taking the same backlog,
// acking each item as soon as its handler returned (no record, no fsync). Fresh children and a
// fresh HERMES_HOME each round, the two alternating.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ReferenceConnector } from "@hermes/relay-adapter/testing";
import { heading, median, printRow, requireBuilt, ROUNDS, setting } from "./harness.mjs";
import { startChild } from "./support/ipc.mjs";

const BIN = fileURLToPath(new URL("../apps/gateway/dist/cli.js", import.meta.url));
const MESSAGES = setting("BENCH_REPLAY_MESSAGES", 1_000, 20);
const CHATS = 8;

const built = requireBuilt(
  BIN,
  "@hermes/gateway",
  "node scripts/pnpm.mjs exec turbo run build --filter=@hermes/gateway...",
);

/**
 * Buffer MESSAGES for `id`, start `start()` (a child that dials `id`), and resolve with the
 * milliseconds from its handshake to the last ack and to the last reply.
 */
async function replay(connector, id, start) {
  for (let i = 0; i < MESSAGES; i++) {
    const pushed = connector.pushInbound(
      {
        text: `backlog ${i}`,
        message_type: "text",
        message_id: `${id}-${i}`,
        source: {
          platform: "discord",
          chat_id: `13000000000000${i % CHATS}`,
          chat_type: "group",
          chat_name: "general",
          user_id: "1100000000000000003",
          user_name: "ada",
          guild_id: "1000000000000000004",
        },
      },
      { gatewayId: id },
    );
    if (pushed.delivered !== "buffered") throw new Error(`${id}: push ${pushed.delivered}`);
  }
  let acks = 0;
  let replies = 0;
  let handshakeAt = Number.NaN;
  let ackedAt = Number.NaN;
  let repliedAt = Number.NaN;
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  const onHandshake = (e) => {
    if (e.gatewayId === id) handshakeAt = performance.now();
  };
  const onAck = (e) => {
    if (e.gatewayId !== id || ++acks !== MESSAGES) return;
    ackedAt = performance.now();
    if (replies === MESSAGES) finish();
  };
  const onOutbound = (r) => {
    if (r.gatewayId !== id || r.action.op !== "send" || ++replies !== MESSAGES) return;
    repliedAt = performance.now();
    if (acks === MESSAGES) finish();
  };
  connector.on("handshake", onHandshake);
  connector.on("ack", onAck);
  connector.on("outbound", onOutbound);
  const stop = await start();
  try {
    await done;
  } finally {
    connector.off("handshake", onHandshake);
    connector.off("ack", onAck);
    connector.off("outbound", onOutbound);
    await stop();
  }
  return { acked: ackedAt - handshakeAt, replied: repliedAt - handshakeAt };
}

if (built) {
  heading(`@hermes/gateway, replay of ${MESSAGES} buffered messages (${CHATS} chats), built bin`);
  const secrets = {};
  const ids = [];
  for (let r = 0; r < ROUNDS; r++) ids.push(`gw-replay-${r}`, `echo-replay-${r}`);
  for (const id of ids) secrets[id] = [randomBytes(32).toString("hex")];
  const connector = await new ReferenceConnector({ gateways: secrets }).start();
  const ours = [];
  const base = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const gwId = `gw-replay-${r}`;
      const echoId = `echo-replay-${r}`;
      const gateway = () =>
        replay(connector, gwId, async () => {
          const home = mkdtempSync(join(tmpdir(), "hermes-bench-replay-"));
          const child = spawn(process.execPath, [BIN, "run"], {
            stdio: ["ignore", "ignore", "inherit"],
            env: {
              PATH: process.env.PATH ?? "",
              HERMES_HOME: home,
              GATEWAY_RELAY_URL: connector.url,
              GATEWAY_RELAY_PLATFORMS: "discord",
              GATEWAY_RELAY_ID: gwId,
              GATEWAY_RELAY_SECRET: secrets[gwId][0],
              GATEWAY_LOG_LEVEL: "warn",
              GATEWAY_AGENT: "echo",
              GATEWAY_TYPING_INTERVAL_MS: "0",
              GATEWAY_REACTIONS: "none",
            },
          });
          const exited = new Promise((resolve) => child.on("exit", resolve));
          return async () => {
            child.kill("SIGTERM");
            await exited;
            rmSync(home, { recursive: true, force: true });
          };
        });
      const echo = () =>
        replay(connector, echoId, async () => {
          const c = await startChild(new URL("./support/echo-adapter.mjs", import.meta.url), {
            env: {
              PATH: process.env.PATH ?? "",
              BENCH_RELAY_URL: connector.url,
              BENCH_RELAY_ID: echoId,
              BENCH_RELAY_SECRET: secrets[echoId][0],
            },
          });
          return () => c.stop();
        });
      // Alternating which goes first: the machine's phase shifts within a run.
      if (r % 2 === 0) {
        ours.push(await gateway());
        base.push(await echo());
      } else {
        base.push(await echo());
        ours.push(await gateway());
      }
    }
  } finally {
    await connector.stop();
  }
  const ms = (x) => `${x.toFixed(0)} ms`;
  const acked = median(ours.map((x) => x.acked));
  const baseAcked = median(base.map((x) => x.acked));
  const replied = median(ours.map((x) => x.replied));
  const baseReplied = median(base.map((x) => x.replied));
  printRow(
    "handshake → last ack",
    ms(acked),
    ms(baseAcked),
    acked / baseAcked,
    "  (baseline = bare RelayAdapter echo, no journal)",
  );
  printRow("handshake → last reply", ms(replied), ms(baseReplied), replied / baseReplied);
}
