/** Rebuild `output` (default `dist/cli.js`) with tsup when it is missing or older than `inputs` or a linked `@hermes/*` dist; returns whether a build ran. */
export declare function buildIfStale(
  root: string,
  options?: { output?: string; inputs?: string[] },
): boolean;
