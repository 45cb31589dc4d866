// bench/gateway-activity: the BUILT hermes-gateway against a ReferenceConnector.
// 1. A streamed reply of 200 ndjson deltas (an exec agent writing one every 20 ms): edits per
//    second per message as the connector saw them, beside the naive one-edit-per-delta
//    (target ≤ 1 edit/s per message).
// 2. Gateway CPU per turn with activity ops (typing + 👀/✅ reactions, Discord) against the same
//    gateway with them off, echo agent, rounds interleaved (target: the difference < 1 ms).
// CPU is read from /proc/<pid>/stat (utime + stime), so this part needs Linux.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ReferenceConnector } from "@hermes/relay-adapter/testing";

const BIN = fileURLToPath(new URL("../apps/gateway/dist/cli.js", import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TURNS = Number(process.env.BENCH_ACTIVITY_TURNS ?? 400);
const TICK_MS = 10; // USER_HZ is 100 on Linux

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cpuMs = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
};

if (!existsSync(BIN)) {
  console.log(`# gateway activity: ${BIN} is missing; build it first`);
} else {
  const dir = mkdtempSync(join(tmpdir(), "bench-activity-"));
  const ids = { stream: "gw-bench-stream", on: "gw-bench-act-on", off: "gw-bench-act-off" };
  const secret = randomBytes(32).toString("hex");
  const connector = await new ReferenceConnector({
    gateways: Object.fromEntries(Object.values(ids).map((id) => [id, [secret]])),
  }).start();
  const children = [];
  const start = async (id, platform, env) => {
    const handshake = connector.waitFor("handshake", (h) => h.gatewayId === id, 30_000);
    const home = mkdtempSync(join(dir, "home-"));
    const child = spawn(process.execPath, [BIN, "run"], {
      env: {
        PATH: process.env.PATH ?? "",
        HERMES_HOME: home,
        GATEWAY_LOG_LEVEL: "warn",
        GATEWAY_RELAY_URL: connector.baseUrl,
        GATEWAY_RELAY_ID: id,
        GATEWAY_RELAY_SECRET: secret,
        GATEWAY_RELAY_PLATFORMS: platform,
        ...env,
      },
      stdio: "ignore",
    });
    children.push(child);
    await handshake;
    await new Promise((r) => setTimeout(r, 200)); // the descriptor reaches the adapter
    return child;
  };

  // ── 1. streamed reply ──────────────────────────────────────────────
  console.log(
    `# streamed reply of 200 deltas, built bin, exec agent (node ${process.version}, ${process.arch})`,
  );
  const agent = join(dir, "agent.mjs");
  writeFileSync(
    agent,
    `for (let i = 0; i < 200; i++) { process.stdout.write(JSON.stringify({ type: "delta", text: "w" + i + " " }) + "\\n"); await new Promise((r) => setTimeout(r, 20)); }\n`,
  );
  await start(ids.stream, "telegram", {
    GATEWAY_AGENT: `exec:${process.execPath} ${agent}`,
    GATEWAY_AGENT_OUTPUT: "ndjson",
    GATEWAY_TYPING_INTERVAL_MS: "0",
  });
  const whole = Array.from({ length: 200 }, (_, i) => `w${i} `)
    .join("")
    .trimEnd();
  const t0 = Date.now();
  connector.pushInbound(
    {
      text: "stream",
      message_id: "stream-1",
      source: { platform: "telegram", chat_id: "S1", chat_type: "dm", user_id: "u" },
    },
    { gatewayId: ids.stream },
  );
  while (
    !connector.chat.transcript("S1").some((t) => t.trimEnd() === whole) &&
    Date.now() - t0 < 60_000
  )
    await new Promise((r) => setTimeout(r, 20));
  const messages = connector.chat.inChat("S1");
  let edits = 0;
  let maxInWindow = 0;
  let span = 0;
  for (const m of messages) {
    const at = m.versionAt.slice(1); // the edits (versionAt[0] is the send)
    edits += at.length;
    span = Math.max(span, m.versionAt.at(-1) - m.versionAt[0]);
    for (let i = 0; i < at.length; i++) {
      let j = i;
      while (j + 1 < at.length && at[j + 1] - at[i] < 1000) j++;
      maxInWindow = Math.max(maxInWindow, j - i + 1);
    }
  }
  const perSecond = edits / Math.max(1, span / 1000);
  const naive = 200 / Math.max(1, span / 1000);
  console.log(
    `${"edits per second per message (200 deltas)".padEnd(44)} ours ${perSecond.toFixed(2).padStart(12)} /s   baseline ${naive.toFixed(2).padStart(12)} /s   ratio ${(perSecond / naive).toFixed(3)}×  (${messages.length} message, ${edits} edits in ${(span / 1000).toFixed(1)} s; most in any 1 s: ${maxInWindow}; target ≤ 1/s: ${maxInWindow <= 1 ? "met" : "NOT met"})`,
  );

  // ── 2. activity CPU per turn ───────────────────────────────────────
  console.log(
    `# gateway CPU per turn, activity ops on vs off, echo agent, ${TURNS} turns per round`,
  );
  const on = await start(ids.on, "discord", {});
  const off = await start(ids.off, "discord", {
    GATEWAY_TYPING_INTERVAL_MS: "0",
    GATEWAY_REACTIONS: "none",
  });
  let n = 0;
  const round = async (child, id) => {
    const before = cpuMs(child.pid);
    // A turn is over at its reply, and with activity on, at its ✅ too.
    const expected = id === ids.on ? 2 : 1;
    const pending = new Map();
    const done = new Promise((resolve) => {
      const listener = (rec) => {
        if (rec.gatewayId !== id) return;
        const key =
          rec.action.op === "send"
            ? rec.action.content
            : rec.action.op === "react" && rec.action.emoji === "✅"
              ? rec.action.message_id
              : null;
        if (key === null || !pending.has(key)) return;
        const left = pending.get(key) - 1;
        if (left === 0) pending.delete(key);
        else pending.set(key, left);
        if (pending.size === 0) {
          connector.off("outbound", listener);
          resolve();
        }
      };
      connector.on("outbound", listener);
    });
    for (let i = 0; i < TURNS; i++) {
      const text = `t${n++}`;
      pending.set(text, expected);
      connector.pushInbound(
        {
          text,
          message_id: text,
          source: { platform: "discord", chat_id: `C${i % 16}`, chat_type: "dm", user_id: "u" },
        },
        { gatewayId: id },
      );
    }
    await done;
    await new Promise((r) => setTimeout(r, 100)); // trailing cosmetic ops
    return (cpuMs(child.pid) - before) / TURNS;
  };
  const a = [];
  const b = [];
  await round(on, ids.on);
  await round(off, ids.off);
  for (let r = 0; r < ROUNDS; r++) {
    a.push(await round(on, ids.on));
    b.push(await round(off, ids.off));
  }
  const withOps = median(a);
  const without = median(b);
  const overhead = withOps - without;
  console.log(
    `${"gateway CPU per turn (ms)".padEnd(44)} ours ${withOps.toFixed(3).padStart(13)} ms   baseline ${without.toFixed(3).padStart(13)} ms   ratio ${(withOps / without).toFixed(2)}×  (activity ops add ${overhead.toFixed(3)} ms per turn; target < 1 ms: ${overhead < 1 ? "met" : "NOT met"})`,
  );
  for (const c of children) c.kill("SIGTERM");
  await Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.once("exit", r)))),
  );
  await connector.stop();
  rmSync(dir, { recursive: true, force: true });
}
