import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, createScrubber } from "./logger.js";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, stream };
}

describe("logger", () => {
  const secret = 'gw-s3cr3t"with\\quote';
  it("redacts secret paths and scrubs secret values anywhere in the line", () => {
    const { lines, stream } = capture();
    const log = createLogger({
      level: "info",
      secrets: [secret, "dk-0123456789"],
      format: "json",
      destination: stream,
    });
    log.info({ secret: "whatever-path-value", headers: { authorization: "Bearer abc" } }, "boot");
    log.info({ note: `leaked ${secret}` }, "oops dk-0123456789 in message");
    const all = lines.join("");
    expect(all).not.toContain("s3cr3t");
    expect(all).not.toContain("dk-0123456789");
    expect(all).not.toContain("whatever-path-value");
    expect(all).not.toContain("Bearer abc");
    expect(all).toContain("<hidden>");
    expect(JSON.parse(lines[1] as string)).toMatchObject({
      msg: "oops <hidden> in message",
      name: "hermes-gateway",
    });
  });

  it("pretty output is scrubbed too", () => {
    const { lines, stream } = capture();
    const log = createLogger({
      level: "info",
      secrets: ["prettysecret"],
      format: "pretty",
      destination: stream,
    });
    log.warn({ relaySecret: "pathsecret" }, "x prettysecret y");
    const all = lines.join("");
    expect(all).toContain("x <hidden> y");
    expect(all).not.toContain("prettysecret");
    expect(all).not.toContain("pathsecret");
    expect(() => JSON.parse(all)).toThrow(); // human-readable, not JSON
  });

  it("the scrubber ignores empty and very short values", () => {
    expect(createScrubber(["", "ab"])("a ab b")).toBe("a ab b");
  });
});
