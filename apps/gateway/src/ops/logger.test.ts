import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, createScrubber, MAX_LOGGED_STRING } from "./logger.js";

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

  it("cuts long strings in fields and messages, telling their length, after scrubbing", () => {
    const { lines, stream } = capture();
    const secret = "cut-me-not-0123456789abcdef";
    const log = createLogger({
      level: "info",
      secrets: [secret],
      format: "json",
      destination: stream,
    });
    // The secret straddles the cut: scrubbed whole before the cut, no prefix of it left.
    const straddling = `${"E".repeat(MAX_LOGGED_STRING - 10 - 21)}${secret}${"F".repeat(5_000_000)}`;
    log.warn(
      { err: `reply not delivered: ${straddling}`, nested: { chatId: "C".repeat(10_000) } },
      "turn failed",
    );
    log.info(`relay frame skipped: ${"x".repeat(100_000)}`);
    const first = JSON.parse(lines[0]!) as { err: string; nested: { chatId: string }; msg: string };
    expect(first.msg).toBe("turn failed");
    expect(first.err.length).toBeLessThan(MAX_LOGGED_STRING + 40);
    expect(first.err).toMatch(new RegExp(`… \\(${straddling.length + 21} characters\\)$`));
    expect(first.err).not.toContain("cut-me");
    expect(first.nested.chatId).toBe(`${"C".repeat(MAX_LOGGED_STRING)}… (10000 characters)`);
    const second = JSON.parse(lines[1]!) as { msg: string };
    expect(second.msg).toBe(
      `relay frame skipped: ${"x".repeat(MAX_LOGGED_STRING - 21)}… (100021 characters)`,
    );
    expect(lines.join("").length).toBeLessThan(3 * MAX_LOGGED_STRING + 1_000);
  });

  it("leaves Error objects to pino's serializer and short strings as they are", () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: "info", secrets: [], format: "json", destination: stream });
    log.error({ err: new Error("boom"), short: "s" }, "failed");
    expect(JSON.parse(lines[0]!)).toMatchObject({
      err: { message: "boom", type: "Error" },
      short: "s",
    });
  });
});
