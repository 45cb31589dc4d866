import { createColors } from "picocolors";
import type { CliContext, OutputStream } from "../context.js";

export type Colors = ReturnType<typeof createColors>;

/** Colour only on a terminal, never with NO_COLOR (any non-empty value) or TERM=dumb. */
export function colorEnabled(stream: OutputStream, env: CliContext["env"]): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY;
}

export function colorsFor(stream: OutputStream, env: CliContext["env"]): Colors {
  return createColors(colorEnabled(stream, env));
}
