import { describe, expect, it } from "vitest";
import { createSecretScrubber } from "./scrub.js";

describe("createSecretScrubber", () => {
  it("hides a secret raw, JSON-escaped, and percent-encoded (a URL or a file name made from it)", () => {
    const secret = 'gw/a+b=c"d\\e';
    const scrub = createSecretScrubber([secret]);
    expect(scrub(`raw ${secret} end`)).toBe("raw <hidden> end");
    expect(scrub(JSON.stringify({ v: secret }))).toBe('{"v":"<hidden>"}');
    expect(scrub(`/home/h/gateway/journal/${encodeURIComponent(secret)}.jsonl`)).toBe(
      "/home/h/gateway/journal/<hidden>.jsonl",
    );
  });

  it("takes a secret with a lone surrogate (which percent-encoding refuses) without throwing", () => {
    const secret = "abc\ud800def";
    expect(createSecretScrubber([secret])(`x ${secret} y`)).toBe("x <hidden> y");
  });

  it("leaves values under 4 characters alone, and text without secrets as it was", () => {
    const scrub = createSecretScrubber(["abc", ""]);
    expect(scrub("abc abc")).toBe("abc abc");
    expect(createSecretScrubber(["s3cret"])("nothing here")).toBe("nothing here");
  });
});
