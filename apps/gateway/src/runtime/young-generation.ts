// V8 doubles its young generation (the semi-spaces where short-lived objects are born) each
// time enough objects have survived a scavenge since the last doubling, up to 16 MB per
// semi-space on 64-bit. A relay gateway's every message allocates a little that outlives one
// scavenge (the frame in flight, the turn, the reply), so within a few thousand messages V8
// grows the young generation to its maximum and never hands it back: +25 to +30 MB of RSS
// that holds nothing (bench/gateway.mjs, apps/gateway/BENCH.md). Measured on this workload,
// keeping it at V8's initial size (1 MB semi-spaces) costs no throughput beyond the run-to-run
// noise, so `run` does that by default.
//
// `--max-semi-space-size` only works on the command line (V8 reads it once, when the heap is
// set up), but the growth factor is read each time the young generation would grow, so setting
// it to 1 at start-up keeps the initial size. An operator who passes any young-generation flag
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
