import { describe, expect, it } from "vitest";
import { type LinesChange, PhotonLinesError, ProjectLines } from "./project-lines.js";
import type { ImessageTokens } from "./sdk.js";

function issuer(...answers: ImessageTokens[]) {
  const issued: ImessageTokens[] = [];
  return {
    issued,
    issue: async () => {
      const next = answers[Math.min(issued.length, answers.length - 1)]!;
      issued.push(next);
      return next;
    },
  };
}

describe("ProjectLines", () => {
  it("a shared line: one line at the shared address, its token renewed at 80 % of its lifetime", async () => {
    let clock = 0;
    const tokens = issuer(
      { type: "shared", token: "t1", expiresIn: 100 },
      { type: "shared", token: "t2", expiresIn: 100 },
    );
    const lines = await ProjectLines.open({
      issue: tokens.issue,
      now: () => clock,
      sharedAddress: "127.0.0.1:1",
    });
    expect(lines.kind).toBe("shared");
    expect(lines.lines).toEqual([
      { id: "shared", kind: "shared", address: "127.0.0.1:1", phone: null },
    ]);
    expect(await lines.token("shared")).toBe("t1");
    clock = 79_999;
    expect(await lines.token("shared")).toBe("t1");
    clock = 80_000;
    expect(await lines.token("shared")).toBe("t2");
    expect(tokens.issued).toHaveLength(2);
    expect(await lines.sdkClients()).toEqual([]);
  });

  it("dedicated lines: each at the template address with its own token and number; concurrent renewals share one request", async () => {
    let clock = 0;
    const tokens = issuer(
      {
        type: "dedicated",
        expiresIn: 10,
        auth: { a1: "ta", b2: "tb", c3: "tc" },
        numbers: { a1: "+15550000001", b2: "+15550000002" },
      },
      {
        type: "dedicated",
        expiresIn: 10,
        auth: { a1: "ta2", b2: "tb2" },
        numbers: { a1: "+15550000001", b2: "+15550000002" },
      },
    );
    const lines = await ProjectLines.open({
      issue: tokens.issue,
      now: () => clock,
      dedicatedAddress: "{instance}.lines.test:443",
    });
    expect(lines.kind).toBe("dedicated");
    // c3 has no number: the SDK could not route through it either.
    expect(lines.lines.map((l) => [l.id, l.address, l.phone])).toEqual([
      ["a1", "a1.lines.test:443", "+15550000001"],
      ["b2", "b2.lines.test:443", "+15550000002"],
    ]);
    expect(await lines.sdkClients()).toEqual([
      { address: "a1.lines.test:443", token: "ta", phone: "+15550000001" },
      { address: "b2.lines.test:443", token: "tb", phone: "+15550000002" },
    ]);
    clock = 9000;
    expect(await Promise.all([lines.token("a1"), lines.token("b2")])).toEqual(["ta2", "tb2"]);
    expect(tokens.issued).toHaveLength(2);
  });

  it("the default dedicated address is Photon's, and a project without usable lines is a typed error", async () => {
    const lines = await ProjectLines.open({
      issue: async () => ({
        type: "dedicated",
        expiresIn: 60,
        auth: { x9: "t" },
        numbers: { x9: "+15550000009" },
      }),
      now: () => 0,
    });
    expect(lines.lines[0]?.address).toBe("x9.imsg.photon.codes:443");
    await expect(
      ProjectLines.open({
        issue: async () => ({ type: "dedicated", expiresIn: 60, auth: { x9: "t" } }),
        now: () => 0,
      }),
    ).rejects.toBeInstanceOf(PhotonLinesError);
    await expect(
      ProjectLines.open({
        issue: async () => ({ type: "other" }) as unknown as ImessageTokens,
        now: () => 0,
      }),
    ).rejects.toMatchObject({ code: "PHOTON_LINES" });
  });

  it("lines served at addresses of their own: instanceId=address pairs, a template for the rest", async () => {
    const lines = await ProjectLines.open({
      issue: async () => ({
        type: "dedicated",
        expiresIn: 60,
        auth: { a1: "ta", b2: "tb", c3: "tc" },
        numbers: { a1: "+15550000001", b2: "+15550000002", c3: "+15550000003" },
      }),
      now: () => 0,
      dedicatedAddress: " a1=127.0.0.1:5001, b2 = 127.0.0.1:5002 ,, {instance}.rest.test:443",
    });
    expect(lines.lines.map((l) => l.address)).toEqual([
      "127.0.0.1:5001",
      "127.0.0.1:5002",
      "c3.rest.test:443",
    ]);
    const photonDefault = await ProjectLines.open({
      issue: async () => ({
        type: "dedicated",
        expiresIn: 60,
        auth: { z: "t" },
        numbers: { z: "+1" },
      }),
      now: () => 0,
      dedicatedAddress: "a1=127.0.0.1:5001",
    });
    expect(photonDefault.lines[0]?.address).toBe("z.imsg.photon.codes:443");
  });

  it("reports each re-issue whose lines differ: added, removed, renumbered, a shared/dedicated switch", async () => {
    const dedicated = (auth: Record<string, string>, numbers: Record<string, string>) =>
      ({ type: "dedicated", expiresIn: 60, auth, numbers }) as const;
    const tokens = issuer(
      dedicated({ a: "t1", b: "t1" }, { a: "+1", b: "+2" }),
      dedicated({ a: "t2", b: "t2" }, { a: "+1", b: "+2" }),
      dedicated({ a: "t3", c: "t3" }, { a: "+1", c: "+3" }),
      dedicated({ a: "t4", c: "t4" }, { a: "+1", c: "+9" }),
      dedicated({}, {}),
      { type: "shared", token: "ts", expiresIn: 60 },
    );
    const changes: LinesChange[] = [];
    const lines = await ProjectLines.open({
      issue: tokens.issue,
      now: () => 0,
      dedicatedAddress: "{instance}:1",
      onChange: (change) => changes.push(change),
    });
    await lines.renew();
    expect(changes).toEqual([]);
    expect(lines.generation).toBe(0);

    await lines.renew();
    expect(changes.at(-1)).toEqual({
      added: [{ id: "c", kind: "dedicated", address: "c:1", phone: "+3" }],
      removed: [{ id: "b", kind: "dedicated", address: "b:1", phone: "+2" }],
      changed: [],
      kindChanged: false,
    });
    expect(lines.lines.map((l) => l.id)).toEqual(["a", "c"]);
    await expect(lines.token("b")).rejects.toBeInstanceOf(PhotonLinesError);
    expect(await lines.sdkClients()).toEqual([
      { address: "a:1", token: "t3", phone: "+1" },
      { address: "c:1", token: "t3", phone: "+3" },
    ]);

    await lines.renew();
    expect(changes.at(-1)?.changed).toEqual([
      { id: "c", kind: "dedicated", address: "c:1", phone: "+9" },
    ]);
    // Every line taken away is reported, not an error: the project may get one back.
    await lines.renew();
    expect(changes.at(-1)?.removed.map((l) => l.id)).toEqual(["a", "c"]);
    expect(lines.lines).toEqual([]);
    expect(await lines.sdkClients()).toEqual([]);

    await lines.renew();
    expect(changes.at(-1)).toMatchObject({ kindChanged: true, added: [{ id: "shared" }] });
    expect(lines.kind).toBe("shared");
    expect(lines.generation).toBe(4);
  });

  it("a re-issue of an unknown shape rejects and keeps the tokens in hand", async () => {
    const tokens = issuer(
      { type: "dedicated", expiresIn: 60, auth: { a: "t1" }, numbers: { a: "+1" } },
      { type: "other" } as unknown as ImessageTokens,
    );
    const lines = await ProjectLines.open({ issue: tokens.issue, now: () => 0 });
    await expect(lines.renew()).rejects.toBeInstanceOf(PhotonLinesError);
    expect(await lines.token("a")).toBe("t1");
  });
});
