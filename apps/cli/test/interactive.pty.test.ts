// One interactive session through a real pseudo-terminal (util-linux `script`): the bin sees a
// TTY on stdin, asks for the enrollment token without echoing it, and enrolls.
import { spawn, spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempHome } from "./support/temp-home.js";
import { FakePhotonServer } from "@hermes/photon-api/testing";
import { BIN } from "./support/bin.js";
import { sendJson, startFakeConnector } from "./support/fake-connector.js";

const home = useTempHome("hermes-pty-");

const hasScript = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;
const ENROLL = "pty-enroll-token-5e5e";
const SECRET = "pty-secret-9a9a";
const IDENTITY = "pty-identity-1d1d";

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Run `node dist/cli.cjs …args` inside a pseudo-terminal; `onOutput` may answer. */
function inPty(
  args: string[],
  env: Record<string, string>,
  onOutput: (all: string, write: (s: string) => void) => void,
) {
  const command = [process.execPath, BIN, ...args].map(shq).join(" ");
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TERM: "xterm", NO_COLOR: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    output += d;
    onOutput(output, (s) => child.stdin.write(s));
  });
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, output })),
  );
}

describe("interactive prompt through a pseudo-terminal", () => {
  it("requires util-linux `script` on this machine", () => {
    expect(hasScript).toBe(true);
  });

  it("asks for the token, never echoes it, and enrolls", async () => {
    const c = await startFakeConnector((r, res) => {
      const body = JSON.parse(r.body) as { enrollmentToken: string };
      if (body.enrollmentToken === ENROLL)
        sendJson(res, 200, { secret: SECRET, deliveryKey: "k", gatewayId: "gw-pty" });
      else sendJson(res, 403, {});
    });
    try {
      const command = [
        process.execPath,
        BIN,
        "gateway",
        "enroll",
        "--connector-url",
        c.url,
        "--gateway-id",
        "gw-pty",
      ]
        .map(shq)
        .join(" ");
      const child = spawn("script", ["-qfec", command, "/dev/null"], {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HERMES_HOME: home(),
          GATEWAY_RELAY_IDENTITY_TOKEN: IDENTITY,
          TERM: "xterm",
          NO_COLOR: "1",
        },
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
      expect(await readFile(join(home(), ".env"), "utf8")).toContain(
        `GATEWAY_RELAY_SECRET=${SECRET}\n`,
      );
    } finally {
      await c.close();
    }
  });

  it("photon login on a terminal: boxed code, QR code, spinner; Ctrl-C cancels cleanly and stores nothing", async () => {
    const fake = await new FakePhotonServer().start();
    try {
      fake.scriptDeviceCode({ pending: 1000, interval: 1, outcome: { approve: {} } });
      let sent = false;
      const { code, output } = await inPty(
        ["photon", "login", "--no-browser"],
        {
          HERMES_HOME: home(),
          PHOTON_DASHBOARD_HOST: fake.baseUrl,
          PHOTON_SPECTRUM_HOST: fake.baseUrl,
        },
        (all, write) => {
          if (!sent && all.includes("Waiting for you to approve")) {
            sent = true;
            write("\u0003");
          }
        },
      );
      expect(sent).toBe(true);
      expect(code).toBe(130);
      expect(output).toMatch(/┌─+┐/);
      expect(output).toContain("Or scan this with your phone:");
      expect(output).toMatch(/[▀▄█]{20,}/);
      expect(output).toContain("✗ Login cancelled; nothing was stored.");
      await expect(readFile(join(home(), "auth.json"), "utf8")).rejects.toThrow();
    } finally {
      await fake.stop();
    }
  });

  it("photon login on a terminal starts BROWSER with the verification URL, then says whom it logged in", async () => {
    const fake = await new FakePhotonServer().start();
    const marker = join(home(), "browser-url");
    const browser = join(home(), "fake-browser.sh");
    await writeFile(browser, `#!/bin/sh\nprintf '%s' "$1" > "${marker}"\n`, { mode: 0o755 });
    try {
      const { code, output } = await inPty(
        ["photon", "login"],
        {
          HERMES_HOME: home(),
          PHOTON_DASHBOARD_HOST: fake.baseUrl,
          PHOTON_SPECTRUM_HOST: fake.baseUrl,
          BROWSER: browser,
        },
        () => undefined,
      );
      expect(code).toBe(0);
      expect(output).toContain("Opened your browser.");
      expect(output).toContain("Logged in to Photon as owner@example.com");
      // The browser runs detached: wait for its file (no event to wait on from here).
      let url = "";
      for (let i = 0; i < 500 && url === ""; i++) {
        url = await readFile(marker, "utf8").catch(() => "");
        if (url === "") await new Promise((r) => setTimeout(r, 20));
      }
      expect(url).toMatch(
        new RegExp(`^${fake.baseUrl.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/device`),
      );
    } finally {
      await fake.stop();
    }
  });
});
