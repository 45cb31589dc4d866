// The cold-start baseline: a bare `ws` client that does what the gateway must do before the
// connector sees it — mint the upgrade token, dial /relay, send one hello — and nothing else.
import { makeUpgradeToken } from "@hermes/relay-crypto";
import WebSocket from "ws";

const { BARE_URL, BARE_ID, BARE_SECRET } = process.env;
const token = makeUpgradeToken(BARE_ID, BARE_SECRET, 300);
const ws = new WebSocket(`${BARE_URL.replace(/^http/, "ws")}/relay`, {
  headers: { Authorization: `Bearer ${token}` },
  perMessageDeflate: false,
});
ws.on("open", () =>
  ws.send(`${JSON.stringify({ type: "hello", platform: "discord", botId: "" })}\n`),
);
ws.on("message", () => ws.close());
ws.on("close", () => process.exit(0));
ws.on("error", () => process.exit(1));
