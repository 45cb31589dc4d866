// What a command tree declares at start-up, on its own subpath (`@hermes/cli-completion/shells`):
// the shells for its `completion <shell>` argument and the values to suggest for an option,
// while the generator is loaded only when a script is asked for.
export { suggestValues } from "./values.js";

/** The shells a script can be generated for. */
export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;

export type CompletionShell = (typeof COMPLETION_SHELLS)[number];
