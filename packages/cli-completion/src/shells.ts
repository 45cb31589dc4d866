// The shells a script can be generated for, on their own subpath (`@hermes/cli-completion/shells`):
// a command tree declares its `completion <shell>` argument at start-up, while the generator
// is loaded only when a script is asked for.

/** The shells a script can be generated for. */
export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;

export type CompletionShell = (typeof COMPLETION_SHELLS)[number];
