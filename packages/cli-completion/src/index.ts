export { completionScript, UnknownShellError } from "./completion.js";
export { COMPLETION_SHELLS, type CompletionShell } from "./shells.js";
export { suggestValues } from "./values.js";
