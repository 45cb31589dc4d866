import { afterEach, describe, expect, it } from "vitest";
import { SpectrumFake } from "../src/testing/index.js";
import { SdkProcess } from "./sdk-process.js";

// The built checkPhotonConnection on the real spectrum-ts SDK in a child process against
// SpectrumFake: the tokens, then a subscription held until its first frame, on each line.

const SCRIPT = "test/fixtures/connection-check.mjs";
const DEDICATED = { instanceId: "inst-check", phone: "+15557770003" };
let fake: SpectrumFake | null = null;
const processes: SdkProcess[] = [];

afterEach(async () => {
  for (const p of processes.splice(0)) await p.stop();
  await fake?.close();
  fake = null;
});

async function check(f: SpectrumFake, config: Record<string, unknown> = {}): Promise<unknown> {
  const p = await SdkProcess.start(f, SCRIPT, config, (line) => line.event === "result");
  processes.push(p);
  expect(p.allOutput).not.toContain(f.projectSecret);
  return p.lines.find((line) => line.event === "result")?.["result"];
}

describe("checkPhotonConnection against SpectrumFake", { timeout: 120_000 }, () => {
  it("issues a token and gets the first heartbeat on the shared line", async () => {
    fake = await SpectrumFake.start({ heartbeatIntervalMs: 100 });
    expect(await check(fake)).toEqual({
      ok: true,
      lineKind: "shared",
      lines: [{ line: "shared", phone: null }],
    });
    expect(fake.catchUpRequests).toEqual([]);
  });

  it("subscribes on each dedicated line at its address", async () => {
    fake = await SpectrumFake.start({ heartbeatIntervalMs: 100, dedicatedLine: DEDICATED });
    expect(await check(fake, { dedicatedLineAddress: fake.dedicatedLineAddress })).toEqual({
      ok: true,
      lineKind: "dedicated",
      lines: [{ line: DEDICATED.instanceId, phone: DEDICATED.phone }],
    });
  });

  it("subscribes on each of several dedicated lines, each at its own address", async () => {
    const second = { instanceId: "inst-check-2", phone: "+15557770004" };
    fake = await SpectrumFake.start({
      heartbeatIntervalMs: 100,
      dedicatedLines: [DEDICATED, second],
    });
    const attemptsBefore = fake.lines.map((line) => line.streamAttempts);
    expect(await check(fake, { dedicatedLineAddress: fake.dedicatedLineAddress })).toEqual({
      ok: true,
      lineKind: "dedicated",
      lines: [
        { line: DEDICATED.instanceId, phone: DEDICATED.phone },
        { line: second.instanceId, phone: second.phone },
      ],
    });
    // Each line's own server was subscribed to.
    fake.lines.forEach((line, i) =>
      expect(line.streamAttempts).toBeGreaterThan(attemptsBefore[i] ?? 0),
    );
  });

  it("says a refused secret is auth_or_config, at the token step", async () => {
    fake = await SpectrumFake.start({ heartbeatIntervalMs: 100 });
    expect(await check(fake, { wrongSecret: "not-the-secret" })).toEqual({
      ok: false,
      step: "issuing tokens",
      failure: "auth_or_config",
    });
  });

  it("says a subscription that never gets a frame timed out", async () => {
    fake = await SpectrumFake.start({ heartbeatIntervalMs: 100 });
    fake.setHeartbeats(false);
    expect(await check(fake, { timeoutMs: 1500 })).toEqual({
      ok: false,
      step: "subscribing",
      failure: "timeout",
      line: "shared",
    });
  });

  it("says a subscription the server refuses (down) is upstream_transient", async () => {
    fake = await SpectrumFake.start({ heartbeatIntervalMs: 100 });
    fake.refuseSubscriptions(1);
    expect(await check(fake, { timeoutMs: 5000 })).toEqual({
      ok: false,
      step: "subscribing",
      failure: "upstream_transient",
      line: "shared",
    });
  });
});
