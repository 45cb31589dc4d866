// One interactive session through a real pseudo-terminal (util-linux `script`): the bin sees a
// TTY on stdin, asks for the enrollment token without echoing it, and enrolls.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN } from "./support/bin.js";
import { sendJson, startFakeConnector } from "./support/fake-connector.js";

const hasScript = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;
const ENROLL = "pty-enroll-token-5e5e";
const SECRET = "pty-secret-9a9a";
const IDENTITY = "pty-identity-1d1d";

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "hermes-pty-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("interactive prompt through a pseudo-terminal", () => {
  it("requires util-linux `script` on this machine", () => {
    expect(hasScript).toBe(true);
  });

  it("asks for the token, never echoes it, and enrolls", async () => {
    const c = await startFakeConnector((r, res) => {
      const body = JSON.parse(r.body) as { enrollmentToken: string };
      if (body.enrollmentToken === ENROLL) sendJson(res, 200, { secret: SECRET, deliveryKey: "k", gatewayId: "gw-pty" });
      else sendJson(res, 403, {});
    });
    try {
      const command = [process.execPath, BIN, "gateway", "enroll", "--connector-url", c.url, "--gateway-id", "gw-pty"].map(shq).join(" ");
      const child = spawn("script", ["-qfec", command, "/dev/null"], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HERMES_HOME: home, GATEWAY_RELAY_IDENTITY_TOKEN: IDENTITY, TERM: "xterm", NO_COLOR: "1" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let output = "";
      let sent = false;
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        output += d;
        if (!sent && output.includes("Enrollment token: ")) {
          sent = true;
          child.stdin.write(`${ENROLL}\r`);
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(sent).toBe(true);
      expect(code).toBe(0);
      expect(output).toContain('✓ Enrolled gateway "gw-pty"');
      expect(output).toContain("GATEWAY_RELAY_SECRET=<hidden>");
      for (const s of [ENROLL, SECRET, IDENTITY]) expect(output).not.toContain(s);
      expect(await readFile(join(home, ".env"), "utf8")).toContain(`GATEWAY_RELAY_SECRET=${SECRET}\n`);
    } finally {
      await c.close();
    }
  });
});
