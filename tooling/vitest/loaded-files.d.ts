/**
 * Writes a `--require` preload into `dir` (returns its path) that reports, at exit, the `.cjs`
 * files the process read and the Node builtins it loaded, on stderr.
 */
export declare function writeLoadReporter(dir: string): string;
/** What the preload reported on `stderr`; null when it reported nothing. */
export declare function reportedLoads(
  stderr: string,
): { files: string[]; builtins: string[] } | null;
