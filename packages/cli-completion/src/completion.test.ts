import { Argument, Command, Option } from "commander";
import { bashComplete } from "@hermes/vitest-config/bash-complete";
import { describe, expect, it } from "vitest";
import { COMPLETION_SHELLS, completionScript, suggestValues, UnknownShellError } from "./index.js";

function tree(): Command {
  const program = new Command().name("tool").option("-q, --quiet", "say less");
  const sub = program.command("it's").description("a name with a quote\nover two lines");
  sub.command("deep").option("--level <n>", "how deep");
  program.command("secret", { hidden: true });
  program.command("pick").addArgument(new Argument("<what>").choices(["one", "two"]));
  program
    .command("run")
    .addOption(new Option("--format <f>", "output format").choices(["json", "pretty"]))
    .addOption(suggestValues(new Option("--platform <name>", "a platform"), ["discord", "slack"]))
    .option("--token <t>", "a secret")
    .option("--colour [when]", "colour");
  return program;
}

describe("completionScript", () => {
  it("bash: one case per visible command path, hidden commands left out, quotes escaped", () => {
    const script = completionScript(tree(), "bash");
    expect(script).toContain("complete -F _tool_completion tool");
    expect(script).toContain(`    'tool') words='it'\\''s pick run help --quiet -q --help -h' ;;`);
    expect(script).toContain(`    'tool it'\\''s deep') words='--level --help -h' ;;`);
    expect(script).toContain(`    'tool pick') words='one two --help -h' ;;`);
    expect(script).not.toContain("secret");
  });

  it("bash: a flag's value completes to its choices or suggested values, else to nothing", () => {
    const script = completionScript(tree(), "bash");
    expect(bashComplete(script, "_tool_completion", "tool run --format ")).toEqual([
      "json",
      "pretty",
    ]);
    expect(bashComplete(script, "_tool_completion", "tool run --format p")).toEqual(["pretty"]);
    expect(bashComplete(script, "_tool_completion", "tool run --platform ")).toEqual([
      "discord",
      "slack",
    ]);
    expect(bashComplete(script, "_tool_completion", "tool run --token ")).toEqual([]);
    expect(bashComplete(script, "_tool_completion", "tool run --colour ")).toEqual([]);
    // After the value, flags again.
    expect(bashComplete(script, "_tool_completion", "tool run --format json --pl")).toEqual([
      "--platform",
    ]);
    // A flag without a value does not change what follows it.
    expect(bashComplete(script, "_tool_completion", "tool --quiet ")).toEqual(
      expect.arrayContaining(["pick", "run"]),
    );
  });

  it("zsh and fish carry the same values", () => {
    expect(completionScript(tree(), "zsh")).toContain(
      `    ('tool run --platform') candidates=('discord' 'slack') ;;`,
    );
    const fish = completionScript(tree(), "fish");
    expect(fish).toContain(`-l format -x -a 'json pretty' -d 'output format'`);
    expect(fish).toContain(`-l token -x -d 'a secret'`);
    expect(fish).toContain(`-s q -d 'say less'`);
  });

  it("fish: descriptions on one line", () => {
    const script = completionScript(tree(), "fish");
    expect(script).toContain(`-a 'it'\\''s' -d 'a name with a quote over two lines'`);
    expect(script).toContain(`-s q -d 'say less'`);
  });

  it("zsh: a #compdef header naming the root", () => {
    expect(completionScript(tree(), "zsh").split("\n")[0]).toBe("#compdef tool");
  });

  it("any other shell is an UnknownShellError with a stable code", () => {
    expect(COMPLETION_SHELLS).toEqual(["bash", "zsh", "fish"]);
    let thrown: unknown;
    try {
      completionScript(tree(), "csh");
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(UnknownShellError);
    expect(thrown).toMatchObject({
      code: "unknown-shell",
      shell: "csh",
      message: 'Unknown shell "csh": expected one of bash, zsh, fish.',
    });
  });
});
