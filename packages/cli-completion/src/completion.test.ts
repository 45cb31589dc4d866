import { Argument, Command } from "commander";
import { describe, expect, it } from "vitest";
import { COMPLETION_SHELLS, completionScript, UnknownShellError } from "./index.js";

function tree(): Command {
  const program = new Command().name("tool").option("-q, --quiet", "say less");
  const sub = program.command("it's").description("a name with a quote\nover two lines");
  sub.command("deep").option("--level <n>", "how deep");
  program.command("secret", { hidden: true });
  program.command("pick").addArgument(new Argument("<what>").choices(["one", "two"]));
  return program;
}

describe("completionScript", () => {
  it("bash: one case per visible command path, hidden commands left out, quotes escaped", () => {
    const script = completionScript(tree(), "bash");
    expect(script).toContain("complete -F _tool_completion tool");
    expect(script).toContain(`    'tool') words='it'\\''s pick help --quiet -q --help -h' ;;`);
    expect(script).toContain(`    'tool it'\\''s deep') words='--level --help -h' ;;`);
    expect(script).toContain(`    'tool pick') words='one two --help -h' ;;`);
    expect(script).not.toContain("secret");
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
