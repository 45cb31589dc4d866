import type { PhotonInboundMessage } from "@hermes/photon-channel";
import { describe, expect, it } from "vitest";
import { toAgentEvent } from "./agent-event.js";

const message = (media: PhotonInboundMessage["media"]): PhotonInboundMessage => ({
  kind: "message",
  messageId: "m1",
  chatId: "any;-;+15555550100",
  chatType: "dm",
  senderId: "+15555550100",
  timestamp: null,
  text: "look",
  messageType: "image",
  media,
  replyToMessageId: null,
  promptResponse: null,
});

describe("toAgentEvent", () => {
  it("gives a downloaded attachment its `path` and keeps one that was not downloaded with an `error`, as the relay does", () => {
    const event = toAgentEvent(
      message([
        {
          attachmentId: "a1",
          kind: "image",
          mimeType: "image/png",
          fileName: "cat.png",
          size: 5,
          path: "/home/h/photon/p/media/a1.png",
          notDownloaded: null,
        },
        {
          attachmentId: "a2",
          kind: "video",
          mimeType: "video/mp4",
          fileName: "big.mp4",
          size: 30_000_000,
          path: null,
          notDownloaded: "too_large",
        },
      ]),
    );
    expect(event.media).toEqual([
      {
        url: "/home/h/photon/p/media/a1.png",
        path: "/home/h/photon/p/media/a1.png",
        kind: "image",
        mime: "image/png",
        size: 5,
        filename: "cat.png",
        caption: null,
      },
      {
        url: "",
        error: "over the media size cap; not downloaded",
        kind: "video",
        mime: "video/mp4",
        size: 30_000_000,
        filename: "big.mp4",
        caption: null,
      },
    ]);
    expect(event.mediaTypes).toEqual(["image", "video"]);
  });
});
