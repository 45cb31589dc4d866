// Baseline for the Photon benchmark: the thinnest client that does the same job as the channel —
// one token from the control plane, one SubscribeMessageEvents stream, SendTextMessage per
// inbound text — through @photon-ai/advanced-imessage's gRPC client (the layer beneath the SDK).
// Endpoints and CA from the environment (like the SDK); credentials on the first stdin line.
import { createInterface } from "node:readline";
import { createGrpcClient } from "@photon-ai/advanced-imessage/grpc";

const lines = createInterface({ input: process.stdin });
const { projectId, projectSecret } = JSON.parse(
  await new Promise((resolve) => lines.once("line", resolve)),
);
const response = await fetch(
  `${process.env.SPECTRUM_CLOUD_URL}/projects/${projectId}/imessage/tokens`,
  {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${projectId}:${projectSecret}`).toString("base64")}`,
    },
  },
);
const { data } = await response.json();
const client = createGrpcClient({
  address: process.env.SPECTRUM_IMESSAGE_ADDRESS,
  token: data.token,
  tls: true,
});
process.stdout.write(`${JSON.stringify({ event: "ready" })}\n`);
for await (const event of client.messages.subscribeEvents()) {
  if (event.type !== "message.received" || event.message.isFromMe) continue;
  await client.messages.sendText(
    event.chatGuid ?? event.message.chatGuids[0],
    event.message.content.text ?? "",
  );
}
