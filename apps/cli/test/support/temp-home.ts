// A fresh HERMES_HOME for every test of the calling file, removed afterwards (also when a test
// left it read-only by mode bits: rm runs as the owner). Call at module level.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

/** Registers the set-up and clean-up; returns the current test's home folder. */
export function useTempHome(prefix = "hermes-home-"): () => string {
  let home: string | undefined;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    if (home !== undefined) await rm(home, { recursive: true, force: true });
    home = undefined;
  });
  return () => {
    if (home === undefined) throw new Error("useTempHome: the home exists only inside a test");
    return home;
  };
}
