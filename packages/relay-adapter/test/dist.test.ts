// The built package, loaded the way a dependent loads it (its own name, both module systems):
// every entry must share one copy of the module state behind `isUpstreamRelayEvent`, or an
// event stamped through one entry would be denied through another.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const node = (args: string[]): unknown =>
  JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: "utf8" }));
const probe = (load: (name: string) => string) => `
  const main = ${load("@hermes/relay-adapter")};
  const proto = ${load("@hermes/relay-adapter/protocol")};
  const testing = ${load("@hermes/relay-adapter/testing")};
  const wire = { text: "x", source: { platform: "p", chat_id: "c", chat_type: "dm" } };
  const fromMain = main.eventFromWire(wire).event;
  const fromProto = proto.eventFromWire(wire).event;
  console.log(JSON.stringify({
    mainToProto: proto.isUpstreamRelayEvent(fromMain),
    protoToMain: main.isUpstreamRelayEvent(fromProto),
    copy: main.isUpstreamRelayEvent({ ...fromMain }),
    classes: [typeof main.WebSocketRelayTransport, typeof main.RelayAdapter, typeof testing.ReferenceConnector, typeof testing.StubTransport],
  }));`;
const expected = {
  mainToProto: true,
  protoToMain: true,
  copy: false,
  classes: ["function", "function", "function", "function"],
};

describe("built package", () => {
  it("shares the upstream marker across entries with require()", () => {
    expect(node(["-e", probe((n: string) => `require(${JSON.stringify(n)})`)])).toEqual(expected);
  });
  it("shares the upstream marker across entries with import()", () => {
    expect(
      node([
        "--input-type=module",
        "-e",
        probe((n: string) => `await import(${JSON.stringify(n)})`),
      ]),
    ).toEqual(expected);
  });
});

describe("published types", () => {
  it("ship no @internal member (tsup dts with stripInternal)", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const dist = join(root, "dist");
    const files = (readdirSync(dist, { recursive: true }) as string[]).filter(
      (f) => f.endsWith(".d.ts") || f.endsWith(".d.cts"),
    );
    expect(files.length).toBeGreaterThan(0);
    const leaks = files.filter((f) => readFileSync(join(dist, f), "utf8").includes("@internal"));
    expect(leaks).toEqual([]);
    // …while what a test author uses is still there.
    const testing = readFileSync(join(dist, "testing", "index.d.ts"), "utf8");
    expect(testing).toContain("declineEgress");
    expect(testing).not.toContain("enrollmentTokens");
  });
});
