import { describe, expect, it } from "vitest";
import { extractTokenCandidates } from "./token-candidates.js";

describe("extractTokenCandidates", () => {
  it("reads all six shapes in spec order, strips Bearer, drops empties and duplicates", () => {
    const body = {
      access_token: "Bearer a",
      accessToken: "b",
      session: { access_token: "bearer  c" },
      data: { access_token: "  ", accessToken: "a" },
    };
    expect(extractTokenCandidates(body, new Headers({ "set-auth-token": "d" }))).toEqual([
      { source: "access_token", token: "a" },
      { source: "accessToken", token: "b" },
      { source: "session.access_token", token: "c" },
      { source: "set-auth-token", token: "d" },
    ]);
    expect(extractTokenCandidates({ data: { access_token: "x" } })).toEqual([
      { source: "data.access_token", token: "x" },
    ]);
  });

  it("tolerates garbage bodies", () => {
    for (const b of [null, 3, "s", [], { access_token: 5, session: "x", data: [1] }])
      expect(extractTokenCandidates(b)).toEqual([]);
  });
});
