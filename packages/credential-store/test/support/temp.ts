// Shared by the tests that use real files: temp folders removed after each test, and the
// typed error a call must fail with.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { CredentialStoreError } from "../../src/index.js";

/** Registers cleanup in the calling test file; returns a maker of fresh temp folders. */
export function useTempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}

/** A HERMES_HOME in a fresh folder of `tempDir` whose auth.json holds `text`. */
export function homeWithAuth(tempDir: () => string, text: string): { home: string; path: string } {
  const home = join(tempDir(), "hermes");
  mkdirSync(home, { recursive: true });
  const path = join(home, "auth.json");
  writeFileSync(path, text);
  return { home, path };
}

/** The CredentialStoreError `p` rejects with; anything else (or success) fails the test. */
export async function caught(p: Promise<unknown>): Promise<CredentialStoreError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof CredentialStoreError) return error;
  throw new Error(
    `expected a CredentialStoreError, got ${error === undefined ? "success" : String(error)}`,
  );
}
