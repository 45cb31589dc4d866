// The two HTTP servers of the receiver benchmark, run as a child process so the load
// generator does not share their event loop: @hermes/relay-adapter's signed-HTTP receiver
// (`startInboundReceiver`, docs/contract/relay.md#signed-http-receiver) and a bare `node:http` handler that reads the body and answers
// 200 `{"ok":true}`, both on 127.0.0.1:0. The delivery key arrives in BENCH_DELIVERY_KEY.
import { createServer } from "node:http";
import { startInboundReceiver } from "@hermes/relay-adapter";

const key = process.env.BENCH_DELIVERY_KEY ?? "";
let messages = 0;
const receiver = await startInboundReceiver({
  port: 0,
  verifyKeys: [key],
  onMessage: () => {
    messages++;
  },
  onInterrupt: () => undefined,
});

const OK = '{"ok":true}';
const bare = createServer((req, res) => {
  req.on("data", () => undefined);
  req.on("end", () => {
    res.statusCode = 200;
    res.setHeader("content-type", "application/json");
    res.setHeader("content-length", OK.length);
    res.end(OK);
  });
});
await new Promise((resolve) => bare.listen(0, "127.0.0.1", resolve));

process.on("message", (msg) => {
  // CPU time this process spent so far (µs, user + system): the parent diffs it around a
  // round to get the server's CPU cost per request, whoever the bottleneck is.
  if (msg.cmd === "cpu") {
    const { user, system } = process.cpuUsage();
    process.send({ id: msg.id, micros: user + system, messages });
  }
});
const stop = () => {
  bare.closeAllConnections();
  receiver.server.closeAllConnections();
  Promise.all([receiver.close(), new Promise((r) => bare.close(r))]).then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("disconnect", () => process.exit(0));
process.send({
  ready: { receiverUrl: receiver.url, bareUrl: `http://127.0.0.1:${bare.address().port}` },
});
