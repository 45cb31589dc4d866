// What the gateway benchmark's echo children share (echo-adapter.mjs, echo-contract.mjs): a bare
// RelayAdapter over a WebSocketRelayTransport with the connection settings from the environment,
// and the child's side of the bench's IPC (ready, ping, stop on SIGTERM or a lost parent).
import { RelayAdapter, WebSocketRelayTransport } from "@hermes/relay-adapter";

/**
 * The adapter, not connected yet: set its message handler, then call serve(). `transport`: more
 * options of its WebSocketRelayTransport (e.g. an afterWrite hook).
 */
export function echoAdapter(transportOptions = {}) {
  const transport = new WebSocketRelayTransport({
    url: process.env.BENCH_RELAY_URL ?? "",
    gatewayId: process.env.BENCH_RELAY_ID ?? "",
    secret: process.env.BENCH_RELAY_SECRET ?? "",
    identities: [{ platform: "discord", botId: "bench-echo" }],
    ...transportOptions,
  });
  return new RelayAdapter({ transport, goIdleTimeoutMs: 1_000 });
}

/** Connect `adapter` and answer the bench; `name` for the error, `onStop` before exiting. */
export async function serve(adapter, name, onStop = () => {}) {
  if (!(await adapter.connect())) {
    console.error(`${name}: could not connect`);
    process.exit(1);
  }
  process.on("message", (msg) => {
    if (msg.cmd === "ping") process.send({ id: msg.id, ok: true });
  });
  const stop = () => {
    onStop();
    process.exit(0);
  };
  process.on("SIGTERM", () => adapter.disconnect().then(stop));
  process.on("disconnect", stop);
  process.send({ ready: { pid: process.pid } });
}
