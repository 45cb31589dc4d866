// The baseline of the gateway benchmark, run as a child process like the gateway itself: a
// bare RelayAdapter over a WebSocketRelayTransport whose message handler sends the text back
// to the same chat (what the echo agent does, without the gateway's authorization, turn
// scheduler, agent and reply splitting). Connection settings arrive in the environment.
import { echoAdapter, serve } from "./echo-child.mjs";

const adapter = echoAdapter();
adapter.setMessageHandler((event) => {
  // Like the gateway, take the message at once and reply without holding the inbound queue.
  void adapter.send(event.source.chat_id, event.text);
});
await serve(adapter, "echo adapter");
