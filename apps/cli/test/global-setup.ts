// The process tests run the BUILT bin: rebuild it first only when it is stale (see
// @hermes/vitest-config/build-if-stale for why never unconditionally).
import { fileURLToPath } from "node:url";
import { buildIfStale } from "@hermes/vitest-config/build-if-stale";

export default function setup(): void {
  buildIfStale(fileURLToPath(new URL("..", import.meta.url)), { output: "dist/cli.cjs" });
}
