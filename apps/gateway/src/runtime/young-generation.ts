// V8 doubles its young generation (the semi-spaces where short-lived objects are born) each
// time enough objects have survived a scavenge since the last doubling, up to 16 MB per
// semi-space on 64-bit. A relay gateway's every message allocates a little that outlives one
// scavenge (the frame in flight, the turn, the reply), so under load V8 keeps growing the young
// generation (8 MB of `new_space` after 10 000 messages, 32 MB after 50 000) and never hands
// it back: tens of MB of RSS that hold nothing (bench/gateway.mjs, apps/gateway/BENCH.md). Measured on this workload,
// keeping it at the size it has when `run` starts (4 MB of `new_space` in
// v8.getHeapSpaceStatistics(): loading the bundle grew it from V8's initial 1 MB) costs a few
// µs per message at most (BENCH.md), so `run` does that by default.
//
// `--max-semi-space-size` only works on the command line (V8 reads it once, when the heap is
// set up), but the growth factor is read each time the young generation would grow, so setting
// it to 1 at start-up keeps the size it has then. An operator who passes any young-generation flag
// of their own (in NODE_OPTIONS or on node's command line) keeps theirs: we change nothing.
//
// The old generation: what does outlive two scavenges (a turn's state while it waits for the
// ack) is promoted, and V8 collects the old generation only once it has grown by its heap
// growing factor since the last full GC — up to 4× the live heap for a heap this small. With
// ~10 MB live that is +20 to +30 MB of RSS holding garbage after a burst of messages, whatever
// the per-turn objects are (bench/gateway.mjs, BENCH.md, run of 2026-12-01 13:45). A growing
// factor of 1.5 (`--heap-growing-percent=50`, read each time V8 sets the next limit) keeps the
// headroom near V8's minimum step; the full GCs it adds on a ~10 MB heap take a few ms each.
import { setFlagsFromString } from "node:v8";

const OPERATOR_FLAG =
  /--(?:max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor|--max[-_]heap[-_]size|--heap[-_]growing[-_]percent/;

export type YoungGeneration = "kept at its initial size" | "sized by the operator's node flags";

export function keepYoungGenerationSmall(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
  setFlags: (flags: string) => void = setFlagsFromString,
): YoungGeneration {
  if (execArgv.some((a) => OPERATOR_FLAG.test(a)) || OPERATOR_FLAG.test(nodeOptions))
    return "sized by the operator's node flags";
  setFlags("--semi-space-growth-factor=1");
  setFlags("--heap-growing-percent=50");
  return "kept at its initial size";
}
