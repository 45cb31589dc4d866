// The process tests run the BUILT bin: build it once before they start, so a test run never
// exercises a stale dist/cli.js.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL("../node_modules/tsup/dist/cli-default.js", import.meta.url)), "--silent"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
}
