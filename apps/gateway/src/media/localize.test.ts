import { describe, expect, it } from "vitest";
import { relayEvent } from "../../test/support/events.js";
import { localizeMedia, MAX_LOCALIZED_MEDIA, type MediaDownloader } from "./localize.js";

describe("localizeMedia", () => {
  it("adds path for each downloaded item and error for the others; the message goes on either way", async () => {
    const asked: string[] = [];
    const media: MediaDownloader = {
      download: async (url) => {
        asked.push(url);
        if (url.endsWith("/ok")) return { ok: true, path: "/cache/ok.png", size: 3, cached: false };
        return { ok: false, code: "MEDIA_TOO_LARGE", message: "the media is over the cap" };
      },
    };
    const items = Array.from({ length: MAX_LOCALIZED_MEDIA + 1 }, (_, i) => ({
      url: i === 0 ? "http://c/relay/media/ok" : `http://c/relay/media/big${i}`,
    }));
    const e = await localizeMedia(
      relayEvent("look", { media: items }),
      media,
      new AbortController().signal,
    );
    expect(e.media[0]).toMatchObject({ url: "http://c/relay/media/ok", path: "/cache/ok.png" });
    expect(e.media[0]).not.toHaveProperty("error");
    expect(e.media[1]).toMatchObject({ error: "the media is over the cap" });
    expect(e.media[1]).not.toHaveProperty("path");
    expect(e.media[MAX_LOCALIZED_MEDIA]?.error).toContain(`first ${MAX_LOCALIZED_MEDIA}`);
    expect(asked).toHaveLength(MAX_LOCALIZED_MEDIA);
    const off = await localizeMedia(
      relayEvent("x", { media: [{ url: "http://c/relay/media/ok" }] }),
      null,
      new AbortController().signal,
    );
    expect(off.media[0]?.error).toContain("off");
  });
});
