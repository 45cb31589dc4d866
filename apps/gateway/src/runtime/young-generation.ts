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
import { setFlagsFromString } from "node:v8";

const OPERATOR_FLAG = /--(?:max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor|--max[-_]heap[-_]size/;

export type YoungGeneration = "kept at its initial size" | "sized by the operator's node flags";

export function keepYoungGenerationSmall(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
  setFlags: (flags: string) => void = setFlagsFromString,
): YoungGeneration {
  if (execArgv.some((a) => OPERATOR_FLAG.test(a)) || OPERATOR_FLAG.test(nodeOptions)) return "sized by the operator's node flags";
  setFlags("--semi-space-growth-factor=1");
  return "kept at its initial size";
}
