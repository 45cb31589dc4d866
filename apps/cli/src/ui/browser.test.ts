import { describe, expect, it } from "vitest";
import { browserCommands } from "./browser.js";

const URL = "https://app.example/device?user_code=AB-CD";

describe("browserCommands", () => {
  it("BROWSER wins: a : list, %s replaced or the URL appended, words split without a shell", () => {
    expect(browserCommands(URL, "linux", { BROWSER: "firefox --new-tab:lynx %s" })).toEqual([
      ["firefox", ["--new-tab", URL]],
      ["lynx", [URL]],
    ]);
    expect(browserCommands(URL, "linux", { BROWSER: "echo $(id);rm" })).toEqual([
      ["echo", ["$(id);rm", URL]],
    ]);
  });

  it("without BROWSER: the platform's opener", () => {
    expect(browserCommands(URL, "linux", {})).toEqual([["xdg-open", [URL]]]);
    expect(browserCommands(URL, "darwin", { BROWSER: " " })).toEqual([["open", [URL]]]);
    expect(browserCommands(URL, "win32", {})).toEqual([["cmd", ["/c", "start", "", URL]]]);
  });
});
