// bench/relay-framing: FrameDecoder on a large frame that arrives in pieces, against JSON.parse
// on the whole frame, same process.
//
// Case: a legal 4 MiB frame delivered in 16 KiB WebSocket messages, each a Buffer of UTF-8 bytes
// as `ws` emits it (cut blindly, so a multi-byte character may be split between two messages,
// as in binary messages; text messages keep characters whole, which costs the decoder nothing
// more). Target: the decoder within 1.5× of JSON.parse on the whole frame. Two baselines, both
// printed:
//   (a) JSON.parse(wholeFrameBytes.toString("utf8")): the least a reader holding the whole
//       frame's bytes must do (a frame arrives as bytes): the target is judged on this one;
//   (b) JSON.parse on the frame string (no UTF-8 decoding at all): stricter, kept for continuity
//       with the earlier figures.
// Also printed for reference: one copy of the pieces (Buffer.concat: what ours adds to (a)), the
// string path the transport took before (each message decoded with toString, the strings joined
// once), and the former quadratic decoder (concatenate + re-scan), one round.
// Rounds are interleaved; each figure is the median over rounds. Never fails on timing.
import { performance } from "node:perf_hooks";
import { encodeFrame, FrameDecoder } from "@hermes/relay-adapter/protocol";
import { heading, median, printRow, setting, targetNote } from "./harness.mjs";

const ROUNDS = setting("BENCH_ROUNDS", 15, 1);
const FRAME_BYTES = setting("BENCH_FRAME_BYTES", 4 * 1024 * 1024, 64 * 1024);
const PIECE = 16 * 1024;
const TARGET = 1.5;

const ms = (v) => `${v.toFixed(2)} ms`;

/**
 * An `inbound` frame of about `bytes` bytes shaped like real traffic: a question plus recent
 * channel messages (many small objects, quotes and newlines escaped). `unicode` adds "é ✓" to
 * each message, which makes V8 store the decoded frame two bytes per character.
 */
function bigFrame(bytes, unicode) {
  const context = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const entry = {
      author: `user-${i % 97}`,
      text: `message ${i}: "quoted" text${unicode ? " é ✓" : ""} and a\nnewline ${"lorem ipsum ".repeat(8)}`,
    };
    size += Buffer.byteLength(JSON.stringify(entry)) + 1;
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
    const data = partial + chunk.toString("utf8");
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
  const wire = Buffer.from(bigFrame(FRAME_BYTES, unicode), "utf8");
  // WebSocket messages as ws emits them: independent Buffers of the frame's bytes.
  const pieces = [];
  for (let i = 0; i < wire.length; i += PIECE)
    pieces.push(Buffer.from(wire.subarray(i, i + PIECE)));
  const wholeBytes = wire.subarray(0, -1); // the frame's bytes without its "\n"
  const wholeString = wholeBytes.toString("utf8");
  const decodeAll = (decoder, toInput) => {
    let frames = 0;
    for (const p of pieces) frames += decoder.push(toInput(p)).frames.length;
    if (frames !== 1) throw new Error(`decoded ${frames} frames`);
  };
  const cases = {
    ours: () => decodeAll(new FrameDecoder(), (p) => p),
    bytesBaseline: () => {
      if (typeof JSON.parse(wholeBytes.toString("utf8")) !== "object") throw new Error("no object");
    },
    stringBaseline: () => {
      if (typeof JSON.parse(wholeString) !== "object") throw new Error("not an object");
    },
    stringPath: () => decodeAll(new FrameDecoder(), (p) => p.toString("utf8")),
    copyOnce: () => Buffer.concat(pieces).length,
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < 3; i++) for (const fn of Object.values(cases)) fn(); // warm up
  for (let r = 0; r < ROUNDS; r++)
    for (const [k, fn] of Object.entries(cases)) times[k].push(timed(fn));
  const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  const min = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.min(...v)]));
  const name = `${(wire.length / 1048576).toFixed(1)} MiB frame, ${label}, ${pieces.length} × 16 KiB`;
  const ratio = med.ours / med.bytesBaseline;
  console.log(name);
  printRow(
    "  vs (a) JSON.parse(bytes.toString())",
    ms(med.ours),
    ms(med.bytesBaseline),
    ratio,
    targetNote(ratio <= TARGET, `≤ ${TARGET}×, lower is better`),
  );
  printRow(
    "  vs (b) JSON.parse(string), stricter",
    ms(med.ours),
    ms(med.stringBaseline),
    med.ours / med.stringBaseline,
  );
  printRow(
    "  string path (toString per message) vs (a)",
    ms(med.stringPath),
    ms(med.bytesBaseline),
    med.stringPath / med.bytesBaseline,
  );
  console.log(
    `  minima: ours ${ms(min.ours)}, (a) ${ms(min.bytesBaseline)} (${(min.ours / min.bytesBaseline).toFixed(2)}×), ` +
      `(b) ${ms(min.stringBaseline)} (${(min.ours / min.stringBaseline).toFixed(2)}×); ` +
      `one copy of the pieces (Buffer.concat) ${ms(med.copyOnce)} = ${(med.copyOnce / med.bytesBaseline).toFixed(2)}× (a); ${ROUNDS} rounds`,
  );
  return pieces;
}

heading("@hermes/relay-adapter framing");
runCase("ASCII", false);
const pieces = runCase("with non-ASCII text", true);
console.log(
  `former quadratic decoder (concatenate + re-scan), for reference: ${ms(timed(() => formerDecode(pieces)))} (one round, last frame)`,
);
