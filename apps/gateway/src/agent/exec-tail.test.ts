import { describe, expect, it } from "vitest";
import { scrubbedTail } from "./exec.js";

const b = (s: string) => Buffer.from(s);

describe("scrubbedTail", () => {
  it("keeps the last bytes; a secret inside them is hidden", () => {
    expect(scrubbedTail(b("0123456789"), [], 4)).toBe("6789");
    expect(scrubbedTail(b("aaSECRETbb"), [b("SECRET")], 8)).toBe("<hidden>bb");
    expect(scrubbedTail(b("aaSECRETbb"), [b("SECRET")], 100)).toBe("aa<hidden>bb");
  });

  it("a secret the cut splits is hidden whole, never shown in part", () => {
    // The last 5 bytes start inside SECRET.
    expect(scrubbedTail(b("xxSECRETab"), [b("SECRET")], 5)).toBe("<hidden>ab");
    // The cut right after it: nothing of it kept.
    expect(scrubbedTail(b("xxSECRETab"), [b("SECRET")], 2)).toBe("ab");
  });

  it("overlapping and adjacent secrets, repeated ones, several values", () => {
    expect(scrubbedTail(b("ABCDEF"), [b("ABCD"), b("CDEF")], 6)).toBe("<hidden>");
    // Adjacent ones read as one hidden run.
    expect(scrubbedTail(b("ABCDABCD-"), [b("ABCD")], 9)).toBe("<hidden>-");
    expect(scrubbedTail(b("ABCD+ABCD-"), [b("ABCD")], 10)).toBe("<hidden>+<hidden>-");
    expect(scrubbedTail(b("aaaaaa"), [b("aaaa")], 6)).toBe("<hidden>");
    expect(scrubbedTail(b("k1=one k2=two"), [b("one"), b("two")], 13)).toBe(
      "k1=<hidden> k2=<hidden>",
    );
  });

  it("multi-byte text and secrets are matched as bytes", () => {
    expect(scrubbedTail(b("é-clé-ü"), [b("clé")], 100)).toBe("é-<hidden>-ü");
  });
});
