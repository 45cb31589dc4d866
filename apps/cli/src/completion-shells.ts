// The shells `hermes completion` writes scripts for (its own module: the command tree needs
// the list at start-up, the generator only when asked).
export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;
