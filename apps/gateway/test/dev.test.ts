// `hermes-gateway dev` and `dev-connector`, as built bins in child processes.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "@hermes/vitest-config/eventually";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, GatewayProcess } from "./support/gateway-process.js";

const home = mkdtempSync(join(tmpdir(), "gw-dev-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const baseEnv = { PATH: process.env.PATH ?? "", HERMES_HOME: home };

function dev(args: string[], input?: string) {
  return spawnSync(process.execPath, [BIN, "dev", ...args], {
    env: baseEnv,
    encoding: "utf8",
    timeout: 30_000,
    ...(input !== undefined ? { input } : {}),
  });
}
const HEX_SECRET = /[0-9a-f]{64}/;

describe("hermes-gateway dev", () => {
  it("--script sends each message through the real link and prints each reply, exit 0", () => {
    const r = dev(["--script", "hi", "how are you"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /connected: gateway gw-dev ↔ reference connector ws:\/\/127\.0\.0\.1:\d+\/relay \(agent: echo\)/,
    );
    expect(r.stdout).toContain("you   › hi\nagent › hi\n");
    expect(r.stdout).toContain("you   › how are you\nagent › how are you\n");
    expect(r.stdout + r.stderr).not.toMatch(HEX_SECRET);
  });

  it("--script shows a streamed reply as the chat shows it: the sent text after its edits, media, a prompt with its options", () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-dev-agent-"));
    try {
      const agent = join(dir, "agent.sh");
      // A text streamed in two deltas (a send, then an edit), a file, a prompt.
      writeFileSync(
        agent,
        [
          "#!/bin/sh",
          "cat > /dev/null",
          `echo '{"type":"delta","text":"Working"}'`,
          "sleep 0.3",
          `echo '{"type":"delta","text":" on it… done."}'`,
          `printf 'all good\n' > '${join(dir, "report.txt")}'`,
          `echo '{"type":"media","path":"${join(dir, "report.txt")}","kind":"document","caption":"Today"}'`,
          `echo '{"type":"prompt","prompt_id":"more","content":"Anything else?","options":[{"id":"yes","label":"Yes"},{"id":"no","label":"No"}]}'`,
          "",
        ].join("\n"),
        { mode: 0o755 },
      );
      const r = spawnSync(
        process.execPath,
        [BIN, "dev", "--agent", `exec:${agent}`, "--script", "hi"],
        {
          env: { ...baseEnv, GATEWAY_AGENT_OUTPUT: "ndjson" },
          encoding: "utf8",
          timeout: 30_000,
        },
      );
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(
        "you   › hi\nagent › Working on it… done.\nagent › [document: report.txt] Today\nagent › Anything else? [Yes | No]\n",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads messages from piped stdin when there is no --script", () => {
    const r = dev([], "one\n\ntwo\n");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("agent › one");
    expect(r.stdout).toContain("agent › two");
  });

  it("--verbose prints the frames (hello, descriptor, inbound, outbound, going_idle) without the secret", () => {
    const r = dev(["--script", "x", "--verbose"]);
    expect(r.status).toBe(0);
    for (const t of [
      '"type":"hello"',
      '"type":"descriptor"',
      '"type":"inbound"',
      '"type":"outbound"',
      '"type":"going_idle_ack"',
    ])
      expect(r.stdout).toContain(t);
    expect(r.stdout + r.stderr).not.toMatch(HEX_SECRET);
  });

  it("exits 1 with a ✗ line when the agent fails", () => {
    const r = dev(["--script", "x", "--agent", "exec:exit 3"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/✗ The exec agent exited with 3/);
  });

  it("a bad --agent is a configuration error (exit 2) naming the flag as its source", () => {
    const r = dev(["--script", "x", "--agent", "telepathy"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("✗ Invalid configuration: --agent (from flag): expected");
    expect(r.stderr).not.toContain("GATEWAY_AGENT");
  });
});

describe("hermes-gateway dev-connector", () => {
  it("prints {url, controlUrl, controlToken}; a gateway run against it answers messages posted to the control API with the token, past its egress guard", async () => {
    const secret = "dev-connector-test-secret-value";
    const child = spawn(
      process.execPath,
      [BIN, "dev-connector", "--gateway", `gw-x:${secret}`, "--egress-guard"],
      { env: baseEnv, stdio: ["ignore", "pipe", "pipe"] },
    );
    const line = await new Promise<string>((resolve) =>
      child.stdout.once("data", (d: Buffer) => resolve(d.toString().split("\n")[0]!)),
    );
    const { url, controlUrl, controlToken } = JSON.parse(line) as {
      url: string;
      controlUrl: string;
      controlToken: string;
    };
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/relay$/);
    expect(controlUrl).toBe(url.replace("ws://", "http://").replace(/\/relay$/, "/dev"));
    expect(controlToken).toMatch(HEX_SECRET);
    const auth = { authorization: `Bearer ${controlToken}` };

    const gw = new GatewayProcess(["run"], {
      GATEWAY_RELAY_URL: url,
      GATEWAY_RELAY_ID: "gw-x",
      GATEWAY_RELAY_SECRET: secret,
      GATEWAY_RELAY_PLATFORMS: "telegram",
    });
    try {
      await gw.waitForLog((l) => String(l.msg).startsWith("relay link up"), "link");
      const body = JSON.stringify({
        event: {
          text: "from curl",
          source: { platform: "telegram", chat_id: "42", chat_type: "dm", user_id: "7" },
        },
      });
      const unauthorized = await fetch(`${controlUrl}/inbound`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(unauthorized.status).toBe(401);
      const post = await fetch(`${controlUrl}/inbound`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body,
      });
      expect(await post.json()).toEqual({ delivered: "live" });
      type Outbound = { outbound: { action: { op: string; content: string } }[] };
      const outbound = await eventually(async () => {
        const body = (await (
          await fetch(`${controlUrl}/outbound`, { headers: auth })
        ).json()) as Outbound;
        // Only the reply: typing (cosmetic) comes first.
        const replies = body.outbound.filter((o) => o.action.op === "send");
        return replies.length > 0 && replies;
      }, "the echo at the connector");
      // Accepted by the guard: the reply names the chat's author, as the connector needs for a DM.
      expect(outbound.map((o) => o.action)).toMatchObject([
        { op: "send", content: "from curl", metadata: { user_id: "7" } },
      ]);
      const state = await (await fetch(`${controlUrl}/state`, { headers: auth })).text();
      expect(JSON.parse(state)).toMatchObject({ gateways: { "gw-x": { connected: true } } });
      expect(state).not.toContain(secret);
      expect(await gw.stop()).toBe(0);
      expect(gw.raw).not.toContain(secret);
    } finally {
      gw.cleanup();
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });

  it("--enroll-token adds a fresh single-use enrollment token; POST /dev/enrollment-token mints more", async () => {
    const child = spawn(process.execPath, [BIN, "dev-connector", "--enroll-token"], {
      env: baseEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const line = await new Promise<string>((resolve) =>
        child.stdout.once("data", (d: Buffer) => resolve(d.toString().split("\n")[0]!)),
      );
      const { url, controlUrl, controlToken, enrollmentToken } = JSON.parse(line) as Record<
        string,
        string
      >;
      expect(enrollmentToken).toMatch(/^enr_[0-9a-f]{32}$/);
      const base = url!.replace("ws://", "http://").replace(/\/relay$/, "");
      const redeem = (token: string, gatewayId: string) =>
        fetch(`${base}/relay/enroll`, {
          method: "POST",
          headers: { authorization: "Bearer dev-identity", "content-type": "application/json" },
          body: JSON.stringify({ enrollmentToken: token, gatewayId }),
        });
      expect((await redeem(enrollmentToken!, "gw-a")).status).toBe(200);
      expect((await redeem(enrollmentToken!, "gw-a")).status).toBe(403); // single use
      const minted = await fetch(`${controlUrl}/enrollment-token`, {
        method: "POST",
        headers: { authorization: `Bearer ${controlToken}`, "content-type": "application/json" },
        body: "{}",
      });
      const { enrollmentToken: second } = (await minted.json()) as { enrollmentToken: string };
      expect(second).not.toBe(enrollmentToken);
      expect((await redeem(second, "gw-b")).status).toBe(200);
    } finally {
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });

  it.each([
    [["--port", "http"], "--port expects an integer"],
    [["--port", "70000"], "--port expects an integer"],
    [["--gateway", "no-colon"], "--gateway expects ID:SECRET"],
    [["--gateway", "id:"], "--gateway expects ID:SECRET"],
  ])("%j is a usage error (exit 2)", (args, message) => {
    const r = spawnSync(process.execPath, [BIN, "dev-connector", ...args], {
      env: baseEnv,
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
