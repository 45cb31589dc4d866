import { spawn } from "node:child_process";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The commands to try for `url`: `BROWSER` first when set (a `:`-separated list, as Python's
 * webbrowser and xdg-open read it; `%s` in an entry is replaced by the URL, else the URL is
 * appended; words split on spaces, never through a shell), then the platform's opener.
 */
export function browserCommands(
  url: string,
  platform: NodeJS.Platform,
  env: Env,
): Array<[string, string[]]> {
  const fromEnv: Array<[string, string[]]> = [];
  for (const entry of (env.BROWSER ?? "").split(platform === "win32" ? ";" : ":")) {
    const words = entry
      .trim()
      .split(/\s+/)
      .filter((w) => w !== "");
    const [cmd, ...rest] = words;
    if (cmd === undefined) continue;
    const args = rest.some((w) => w.includes("%s"))
      ? rest.map((w) => w.replaceAll("%s", url))
      : [...rest, url];
    fromEnv.push([cmd, args]);
  }
  if (fromEnv.length > 0) return fromEnv;
  if (platform === "darwin") return [["open", [url]]];
  if (platform === "win32") return [["cmd", ["/c", "start", "", url]]];
  return [["xdg-open", [url]]];
}

function start(cmd: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args, { stdio: "ignore", detached: true });
      child.once("error", () => resolve(false));
      child.once("spawn", () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}

/** Start a browser (BROWSER, else the platform's URL opener), detached; resolves false if none could be started. */
export async function openBrowser(
  url: string,
  platform: NodeJS.Platform = process.platform,
  env: Env = process.env,
): Promise<boolean> {
  if (!/^https?:\/\//i.test(url)) return false;
  for (const [cmd, args] of browserCommands(url, platform, env)) {
    if (await start(cmd, args)) return true;
  }
  return false;
}
