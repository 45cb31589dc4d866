// Webhook mode's HTTP side: Photon's signed deliveries (docs/contract/photon.md#webhook-deliveries)
// verified and answered by @hermes/photon-api's handler (400 missing headers / malformed, 401
// expired or bad signature, 413 too large, 500 no secret configured — fail closed, 200 otherwise;
// deduplicated on the message id inside the signed body, never on the unsigned X-Spectrum-Webhook-Id alone), then
// handed to the channel, which fetches the message through the SDK and hands it over once.
// The server bounds each socket and its close (@hermes/relay-adapter's startBoundedHttpServer):
// a client trickling a body, or silent mid-request, is cut and cannot hold the shutdown.
import { createWebhookHandler } from "@hermes/photon-api/webhook";
import { startBoundedHttpServer } from "@hermes/relay-adapter";

export interface PhotonWebhookReceiver {
  readonly url: string;
  close(): Promise<void>;
}

export async function startPhotonWebhookReceiver(opts: {
  readonly host: string;
  readonly port: number;
  readonly secret: string | null;
  readonly onMessage: (ref: {
    messageId: string;
    chatId: string;
    phone: string | undefined;
  }) => Promise<void>;
  readonly onError: (error: unknown) => void;
}): Promise<PhotonWebhookReceiver> {
  const handler = createWebhookHandler({
    secret: opts.secret ?? undefined,
    onEvent: ({ event }) =>
      opts.onMessage({
        messageId: event.message.id,
        chatId: event.space.id || event.message.space.id,
        // The line the message reached (with several, the channel fetches it there).
        phone: event.space.phone ?? event.message.space.phone,
      }),
    onError: opts.onError,
  });
  const server = await startBoundedHttpServer(handler, { host: opts.host, port: opts.port });
  return { url: `${server.url}/`, close: () => server.close() };
}
