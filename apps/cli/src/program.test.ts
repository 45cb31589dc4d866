import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempHome } from "../test/support/temp-home.js";
import { fakeContext } from "../test/support/context.js";
import { buildProgram, groupsReached, run } from "./program.js";

const home = useTempHome("hermes-cli-");

describe("command tree", () => {
  it("--version prints the version, exit 0", async () => {
    const ctx = fakeContext();
    expect(await run(["--version"], ctx)).toBe(0);
    expect(ctx.out()).toBe("9.9.9-test\n");
  });

  it.each([
    [["--help"]],
    [["gateway", "--help"]],
    [["gateway", "enroll", "--help"]],
    [["photon", "webhook", "register", "--help"]],
  ])("%j prints help on stdout, exit 0", async (argv) => {
    const ctx = fakeContext();
    expect(await run(argv, ctx)).toBe(0);
    expect(ctx.out()).toMatch(/^Usage: hermes/);
    expect(ctx.err()).toBe("");
  });

  it("builds only the groups argv names, and root help reads the same as with the whole tree", () => {
    const ctx = fakeContext();
    const whole = buildProgram(ctx, () => undefined, "all");
    const lazy = buildProgram(ctx, () => undefined, groupsReached(["--help"]));
    expect(lazy.commands.find((c) => c.name() === "gateway")?.commands).toEqual([]);
    expect(lazy.helpInformation()).toBe(whole.helpInformation());
    const gateway = buildProgram(ctx, () => undefined, groupsReached(["gateway", "status"]));
    expect(gateway.commands.find((c) => c.name() === "gateway")?.commands.length).toBeGreaterThan(
      2,
    );
    expect(gateway.commands.find((c) => c.name() === "photon")?.commands).toEqual([]);
    expect(groupsReached(["completion", "bash"])).toBe("all");
  });

  it.each([[[]], [["gateway"]], [["photon", "webhook"]]])(
    "%j without a subcommand shows help on stderr, exit 2",
    async (argv) => {
      const ctx = fakeContext();
      expect(await run(argv, ctx)).toBe(2);
      expect(ctx.err()).toMatch(/Usage: hermes/);
    },
  );

  it("unknown commands and options are usage errors with ✗", async () => {
    const a = fakeContext();
    expect(await run(["gateway", "enrol"], a)).toBe(2);
    expect(a.err()).toMatch(/^✗ unknown command 'enrol'/);
    expect(a.err()).toContain("Did you mean enroll?");
    const b = fakeContext();
    expect(await run(["gateway", "status", "--jsno"], b)).toBe(2);
    expect(b.err()).toMatch(/^✗ unknown option '--jsno'/);
    const c = fakeContext();
    expect(await run(["photon", "webhook", "delete"], c)).toBe(2);
    expect(c.err()).toMatch(/missing required argument 'id-or-url'/);
  });

  it("colours only on a TTY and never with NO_COLOR", async () => {
    const plain = fakeContext({ tty: false, env: { HERMES_HOME: home() } });
    await run(["gateway", "enrol"], plain);
    expect(plain.err()).not.toContain("\x1b[");
    const tty = fakeContext({ tty: true, env: { HERMES_HOME: home() } });
    await run(["gateway", "enrol"], tty);
    expect(tty.err()).toContain("\x1b[31m✗");
    const noColor = fakeContext({ tty: true, env: { HERMES_HOME: home(), NO_COLOR: "1" } });
    await run(["gateway", "enrol"], noColor);
    expect(noColor.err()).not.toContain("\x1b[");
  });
});

describe("gateway enroll: local checks before any request", () => {
  const noFetch = (async () => {
    throw new Error("no request expected");
  }) as typeof fetch;

  it("refuses in a managed install (HERMES_MANAGED or .managed), exit 1", async () => {
    const a = fakeContext({ env: { HERMES_HOME: home(), HERMES_MANAGED: "1" }, fetch: noFetch });
    expect(
      await run(["gateway", "enroll", "--token", "T", "--connector-url", "https://c.example"], a),
    ).toBe(1);
    expect(a.err()).toContain(
      "✗ `hermes gateway enroll` is not available in a managed/hosted install.",
    );
    expect(a.err()).toContain("provisioned by the hosting platform");
    await writeFile(join(home(), ".managed"), "");
    const b = fakeContext({ env: { HERMES_HOME: home() }, fetch: noFetch });
    expect(
      await run(["gateway", "enroll", "--token", "T", "--connector-url", "https://c.example"], b),
    ).toBe(1);
    expect(b.err()).toContain(".managed");
  });

  it("HERMES_MANAGED=brew is not managed", async () => {
    const ctx = fakeContext({
      env: { HERMES_HOME: home(), HERMES_MANAGED: "brew" },
      fetch: noFetch,
    });
    expect(await run(["gateway", "enroll"], ctx)).toBe(2);
    expect(ctx.err()).toContain("No enrollment token");
  });

  it("without a terminal, a missing token or URL is a usage error naming the flag (no prompt)", async () => {
    const a = fakeContext({ env: { HERMES_HOME: home() }, fetch: noFetch });
    expect(await run(["gateway", "enroll"], a)).toBe(2);
    expect(a.err()).toContain(
      "✗ No enrollment token. Pass --token <token> (or set GATEWAY_RELAY_ENROLL_TOKEN).",
    );
    expect(a.prompts).toHaveLength(0);
    const b = fakeContext({
      env: { HERMES_HOME: home(), GATEWAY_RELAY_ENROLL_TOKEN: "T" },
      fetch: noFetch,
    });
    expect(await run(["gateway", "enroll"], b)).toBe(2);
    expect(b.err()).toContain(
      "✗ No connector URL. Pass --connector-url <url> (or set GATEWAY_RELAY_URL / gateway.relay_url in config.yaml).",
    );
    expect(b.prompts).toHaveLength(0);
  });

  it("on a terminal, asks for the token without echo", async () => {
    const ctx = fakeContext({
      env: { HERMES_HOME: home() },
      stdinIsTTY: true,
      answers: [],
      fetch: noFetch,
    });
    expect(await run(["gateway", "enroll", "--connector-url", "https://c.example"], ctx)).toBe(130);
    expect(ctx.prompts).toEqual([{ question: "Enrollment token: ", mask: true }]);
  });

  it("rejects an unusable connector URL, gateway id or wake URL as usage errors", async () => {
    const base = ["gateway", "enroll", "--token", "T"];
    for (const [argv, msg] of [
      [
        [...base, "--connector-url", "ftp://x"],
        "--connector-url (from flag): expected a wss://, ws://, https:// or http:// URL",
      ],
      [
        [...base, "--connector-url", "https://u:p@c.example"],
        "--connector-url (from flag): credentials in a URL (https://<hidden>@c.example) are refused",
      ],
      [
        [...base, "--connector-url", "https://c.example", "--gateway-id", "has space"],
        "--gateway-id",
      ],
      [[...base, "--connector-url", "https://c.example", "--wake-url", "nope"], "--wake-url"],
    ] as const) {
      const ctx = fakeContext({ env: { HERMES_HOME: home() }, fetch: noFetch });
      expect(await run([...argv], ctx)).toBe(2);
      expect(ctx.err()).toContain(msg);
      expect(ctx.err()).not.toContain("u:p");
    }
  });

  it("reports a broken config.yaml when it is needed for the URL", async () => {
    await writeFile(join(home(), "config.yaml"), "gateway: [unclosed\n");
    const ctx = fakeContext({ env: { HERMES_HOME: home() }, fetch: noFetch });
    expect(await run(["gateway", "enroll", "--token", "T"], ctx)).toBe(1);
    expect(ctx.err()).toMatch(
      /✗ Invalid configuration: config\.yaml \(from .*config\.yaml\): not valid YAML/,
    );
  });
});
