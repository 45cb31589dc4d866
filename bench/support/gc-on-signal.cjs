// Preloaded (`node --expose-gc -r …`) into the gateway child by bench/gateway.mjs for a
// diagnostic reading: on SIGUSR2, run a full GC and write one line
// `bench-memory {"rss":…,"heapTotal":…,"heapUsed":…,…}` to stderr. Nothing else.
"use strict";
process.on("SIGUSR2", () => {
  if (typeof globalThis.gc === "function") globalThis.gc();
  process.stderr.write(`bench-memory ${JSON.stringify(process.memoryUsage())}\n`);
});
