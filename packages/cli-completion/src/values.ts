// Values a completion script offers for an option, declared with the command tree. Commander's
// own `choices` also validate (an unlisted value is refused); these only suggest, for options
// whose value is open but usually one of a few (`--platform discord`). Kept on the option under
// a registered symbol, so a tree declared with one copy of this package is read by another.
import type { Option } from "commander";

const VALUES = Symbol.for("@hermes/cli-completion.values");

type WithValues = Option & { [VALUES]?: readonly string[] };

/** Suggest `values` when completing the value of `option` (they are not enforced). Returns the option. */
export function suggestValues<T extends Option>(option: T, values: readonly string[]): T {
  (option as WithValues)[VALUES] = [...values];
  return option;
}

/** The values to offer for `option`'s value: its choices, else its suggestions; null when it takes no value. */
export function valuesOf(option: Option): readonly string[] | null {
  if (!option.required && !option.optional) return null;
  return option.argChoices ?? (option as WithValues)[VALUES] ?? [];
}
