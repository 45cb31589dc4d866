import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { startPhotonWebhookReceiver } from "./webhook-receiver.js";

describe("Photon webhook receiver", () => {
  it("close() resolves although a client trickles its body or goes silent mid-request", async () => {
    const receiver = await startPhotonWebhookReceiver({
      host: "127.0.0.1",
      port: 0,
      secret: "whsec-test-secret-0123456789",
      onMessage: async () => undefined,
      onError: () => undefined,
    });
    const url = new URL(receiver.url);
    const open = async (first: string) => {
      const s = connect(Number(url.port), url.hostname);
      s.on("error", () => undefined);
      s.resume();
      await new Promise((r) => s.once("connect", r));
      s.write(first);
      return { socket: s, closed: new Promise<void>((r) => s.once("close", () => r())) };
    };
    const silent = await open("PO");
    const trickling = await open("POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n");
    const trickle = setInterval(() => {
      if (!trickling.socket.destroyed) trickling.socket.write("a");
    }, 10);
    try {
      await receiver.close();
      await Promise.all([silent.closed, trickling.closed]);
    } finally {
      clearInterval(trickle);
      silent.socket.destroy();
      trickling.socket.destroy();
    }
    expect(trickling.socket.destroyed).toBe(true);
  });
});
