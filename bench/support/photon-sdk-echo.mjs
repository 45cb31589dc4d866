// The bare spectrum-ts loop an app would write: for each inbound text, send it back. Endpoints
// and CA from the environment; credentials on the first stdin line.
import { createInterface } from "node:readline";

const lines = createInterface({ input: process.stdin });
const { projectId, projectSecret } = JSON.parse(
  await new Promise((resolve) => lines.once("line", resolve)),
);
const { Spectrum, text } = await import("spectrum-ts");
const { imessage } = await import("spectrum-ts/providers/imessage");
const app = await Spectrum({
  projectId,
  projectSecret,
  providers: [imessage.config()],
  telemetry: false,
});
process.stdout.write(`${JSON.stringify({ event: "ready" })}\n`);
for await (const [space, message] of app.messages) {
  if (message.content.type === "text") await space.send(text(message.content.text));
}
