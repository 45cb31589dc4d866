// bench/relay-framing: FrameDecoder on a large frame that arrives in pieces, against
// JSON.parse on the whole frame string (the least any reader must do), same process.
//
// Case: a legal 4 MiB frame delivered in 16 KiB WebSocket messages. Target: the
// decoder within 1.5× of JSON.parse. Any reader of pieces must copy them into one string once
// before JSON.parse can run; that copy is printed too, since it sets the floor of the ratio
// (1 + copy / parse). The former decoder (concatenate the partial line with each piece and
// re-scan it) is shown for reference: it was quadratic in the line.
// Rounds are interleaved ours/baseline; each figure is the median over rounds. Never fails on timing.
import { performance } from "node:perf_hooks";
import { encodeFrame, FrameDecoder } from "@hermes/relay-adapter/protocol";
import { heading, median, printRow, setting, targetNote } from "./harness.mjs";

const ROUNDS = setting("BENCH_ROUNDS", 9, 1);
const FRAME_BYTES = setting("BENCH_FRAME_BYTES", 4 * 1024 * 1024, 64 * 1024);
const PIECE = 16 * 1024;
const TARGET = 1.5;

const ms = (v) => `${v.toFixed(2)} ms`;

/**
 * An `inbound` frame of about `bytes` characters shaped like real traffic: a question plus
 * recent channel messages (many small objects, quotes and newlines escaped). `unicode` adds
 * "é ✓" to each message, which makes V8 store the whole frame two bytes per character.
 */
function bigFrame(bytes, unicode) {
  const context = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const entry = {
      author: `user-${i % 97}`,
      text: `message ${i}: "quoted" text${unicode ? " é ✓" : ""} and a\nnewline ${"lorem ipsum ".repeat(8)}`,
    };
    size += JSON.stringify(entry).length + 1;
    context.push(entry);
  }
  return encodeFrame({
    type: "inbound",
    event: {
      text: "what happened here?",
      source: { platform: "discord", chat_id: "C1", chat_type: "channel", user_id: "U1" },
      context,
    },
  });
}

/** The decoder this package had before framing was made linear, for reference only. */
function formerDecode(pieces) {
  let partial = "";
  let frames = 0;
  for (const chunk of pieces) {
    const data = partial + chunk;
    let start = 0;
    for (let nl = data.indexOf("\n", start); nl !== -1; nl = data.indexOf("\n", start)) {
      JSON.parse(data.slice(start, nl));
      frames++;
      start = nl + 1;
    }
    partial = data.slice(start);
  }
  return frames;
}

function timed(fn) {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function runCase(label, unicode) {
  const wire = bigFrame(FRAME_BYTES, unicode);
  // WebSocket messages arrive as independent strings (the transport decodes each one).
  const pieces = [];
  for (let i = 0; i < wire.length; i += PIECE)
    pieces.push(Buffer.from(wire.slice(i, i + PIECE)).toString("utf8"));
  const whole = Buffer.from(wire.slice(0, -1)).toString("utf8"); // the frame string without its "\n"
  const ours = () => {
    const decoder = new FrameDecoder();
    let frames = 0;
    for (const p of pieces) frames += decoder.push(p).frames.length;
    if (frames !== 1) throw new Error(`decoded ${frames} frames`);
  };
  const baseline = () => {
    if (typeof JSON.parse(whole) !== "object") throw new Error("not an object");
  };
  const copyOnce = () => pieces.join("").length;
  // warm up
  for (let i = 0; i < 3; i++) {
    ours();
    baseline();
  }
  const oursMs = [];
  const baseMs = [];
  const copyMs = [];
  for (let r = 0; r < ROUNDS; r++) {
    oursMs.push(timed(ours));
    baseMs.push(timed(baseline));
    copyMs.push(timed(copyOnce));
  }
  const o = median(oursMs);
  const b = median(baseMs);
  const name = `${(wire.length / 1048576).toFixed(1)} MiB frame, ${label}, ${pieces.length} × 16 KiB`;
  printRow(name, ms(o), ms(b), o / b, targetNote(o / b <= TARGET, `≤ ${TARGET}×, lower is better`));
  console.log(
    `  min ours ${ms(Math.min(...oursMs))}, JSON.parse ${ms(Math.min(...baseMs))} (ratio of minima ${(Math.min(...oursMs) / Math.min(...baseMs)).toFixed(2)}×); ` +
      `one copy of the frame (pieces.join) ${ms(median(copyMs))} = ${(median(copyMs) / b).toFixed(2)}× JSON.parse; ${ROUNDS} rounds`,
  );
  return pieces;
}

heading("@hermes/relay-adapter framing");
runCase("ASCII", false);
const pieces = runCase("with non-ASCII text", true);
const formerMs = [];
for (let r = 0; r < Math.min(3, ROUNDS); r++) formerMs.push(timed(() => formerDecode(pieces)));
console.log(
  `former decoder (concatenate + re-scan), for reference: median ${ms(median(formerMs))} over ${formerMs.length} rounds on the last frame`,
);
