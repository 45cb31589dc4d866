// The example agents in README.md, extracted from the README itself and run as `exec:` agents
// with ndjson output: what the README shows is what works.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { execAgent } from "../src/agent/exec.js";
import type { AgentOutputEvent } from "../src/agent/ndjson-events.js";
import type { AgentEvent } from "../src/agent/types.js";
import { relayEvent } from "./support/events.js";

const README = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
const dir = mkdtempSync(join(tmpdir(), "gw-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The fenced block whose text names `example: <name>`. */
function example(name: string): string {
  const blocks = README.split("```").filter((_, i) => i % 2 === 1);
  const block = blocks.find((b) => b.includes(`example: ${name} `));
  if (block === undefined) throw new Error(`README has no example ${name}`);
  return block.slice(block.indexOf("\n") + 1);
}

async function run(command: string, event: AgentEvent): Promise<AgentOutputEvent[]> {
  const events: AgentOutputEvent[] = [];
  const text = await execAgent({
    command,
    timeoutMs: 20_000,
    env: { PATH: process.env.PATH },
    output: "ndjson",
    cwd: dir,
  }).runTurn(event, {
    signal: new AbortController().signal,
    emit: (e) => events.push(e),
  });
  expect(text).toBe("");
  return events;
}

describe("README example agents", () => {
  it("the shell agent streams two deltas and asks a prompt", async () => {
    writeFileSync(join(dir, "agent.sh"), example("shell-agent"), { mode: 0o755 });
    expect(await run("./agent.sh", relayEvent("hi"))).toEqual([
      { type: "delta", text: "Working" },
      { type: "delta", text: " on it… done." },
      {
        type: "prompt",
        prompt_id: "more",
        content: "Anything else?",
        options: [
          { id: "yes", label: "Yes" },
          { id: "no", label: "No" },
        ],
      },
    ]);
  });

  it("the Node agent answers a prompt, describes attachments, sends a file and echoes", async () => {
    writeFileSync(join(dir, "agent.mjs"), example("node-agent"));
    const base = relayEvent("report", {
      media: [
        { url: "https://c/relay/media/a", kind: "image" },
        { url: "https://x/y", kind: "image" },
      ],
    });
    const event: AgentEvent = {
      ...base,
      promptResponse: { promptId: "more", optionId: "yes", label: "Yes", promptMessageId: "m1" },
      media: [
        { ...base.media[0]!, path: "/cache/a.png" },
        { ...base.media[1]!, error: "not a connector media reference" },
      ],
    };
    expect(await run(`${process.execPath} agent.mjs`, event)).toEqual([
      { type: "message", text: "You picked Yes." },
      { type: "message", text: "Got /cache/a.png" },
      { type: "message", text: "No file: not a connector media reference" },
      { type: "media", path: "/tmp/report.txt", kind: "document", caption: "Today's report" },
      { type: "delta", text: "You said: " },
      { type: "delta", text: "report" },
    ]);
    expect(readFileSync("/tmp/report.txt", "utf8")).toBe("all good\n");
    rmSync("/tmp/report.txt", { force: true });
  });
});
