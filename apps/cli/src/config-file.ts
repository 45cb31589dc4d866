import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { CliError, printable } from "./errors.js";

export type ConfigLoad =
  | { ok: true; exists: boolean; config: Record<string, unknown> }
  | { ok: false; error: CliError };

/** `config.yaml` as a plain object. A missing file is an empty config; a broken one is an error value. */
export async function loadConfigYaml(path: string): Promise<ConfigLoad> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { ok: true, exists: false, config: {} };
    return { ok: false, error: new CliError("config-unreadable", `Could not read ${path}: ${(err as Error).message}`) };
  }
  try {
    const doc: unknown = parse(text);
    if (doc === null || doc === undefined) return { ok: true, exists: true, config: {} };
    if (typeof doc !== "object" || Array.isArray(doc)) {
      return { ok: false, error: new CliError("config-invalid", `${path} is not a YAML mapping.`, { hints: ["Fix the file, then retry."] }) };
    }
    return { ok: true, exists: true, config: doc as Record<string, unknown> };
  } catch (err) {
    return {
      ok: false,
      error: new CliError("config-invalid", `Could not parse ${path}: ${printable((err as Error).message.split("\n")[0] ?? "", 160)}`, {
        hints: ["Fix the YAML, then retry."],
      }),
    };
  }
}

/** `config[section][key]` as a trimmed string, or undefined. */
export function configString(config: Record<string, unknown>, section: string, key: string): string | undefined {
  const block = config[section];
  if (!block || typeof block !== "object" || Array.isArray(block)) return undefined;
  const value = (block as Record<string, unknown>)[key];
  if (typeof value === "string") return value.trim() || undefined;
  if (typeof value === "number") return String(value);
  return undefined;
}
