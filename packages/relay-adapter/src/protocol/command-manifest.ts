// The slash-command manifest a gateway declares on its Discord `hello` (`command_manifest`,
// upstream `gateway/relay/command_manifest.py`). Over the relay the connector holds the bot
// token, so the gateway DECLARES its commands and the connector reconciles Discord's
// registration with them. A command that comes back (an APPLICATION_COMMAND interaction) is
// turned into the text `/<name> <options…>` (see `discordInteractionToEvent`), so declaring a
// command needs no new handler: whatever serves `/name` as text serves it.
//
// Shape per entry: `{name, description, options?}`, options being Discord option objects
// (type 3 = STRING). Discord's CHAT_INPUT rules: name `[a-z0-9_-]{1,32}`, description 1–100
// characters. An invalid entry is left out (reported), never the whole manifest.

export interface CommandManifestOption {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  choices?: { name: string; value: string }[];
  options?: CommandManifestOption[];
}

export interface CommandManifestEntry {
  name: string;
  description: string;
  options?: CommandManifestOption[];
}

/** A command the gateway (its agent) serves. */
export interface GatewayCommand {
  name: string;
  description?: string;
  /** When set: one optional free-text option `args` described by this hint. */
  argsHint?: string;
}

export interface CommandManifestResult {
  manifest: CommandManifestEntry[];
  /** Entries left out, with why (a duplicate, a name Discord refuses). */
  dropped: { name: string; reason: string }[];
}

const NAME = /^[\da-z_-]{1,32}$/;
const MAX_DESCRIPTION = 100;
const OPTION_STRING = 3;
const DEFAULT_DESCRIPTION = "Hermes command";

function clip(text: string): string {
  const cps = Array.from(text.trim());
  return cps.length <= MAX_DESCRIPTION
    ? cps.join("")
    : `${cps.slice(0, MAX_DESCRIPTION - 1).join("")}…`;
}

export function buildCommandManifest(commands: readonly GatewayCommand[]): CommandManifestResult {
  const manifest: CommandManifestEntry[] = [];
  const dropped: CommandManifestResult["dropped"] = [];
  const seen = new Set<string>();
  for (const c of commands) {
    const name = typeof c.name === "string" ? c.name.trim().replace(/^\//, "") : "";
    if (!NAME.test(name)) {
      dropped.push({
        name,
        reason: "Discord command names are 1-32 characters of a-z, 0-9, - and _",
      });
      continue;
    }
    if (seen.has(name)) {
      dropped.push({ name, reason: "declared twice (the first one is kept)" });
      continue;
    }
    seen.add(name);
    const description = clip(c.description ?? "") || DEFAULT_DESCRIPTION;
    const entry: CommandManifestEntry = { name, description };
    const hint = c.argsHint === undefined ? "" : clip(c.argsHint);
    if (hint !== "")
      entry.options = [{ type: OPTION_STRING, name: "args", description: hint, required: false }];
    manifest.push(entry);
  }
  return { manifest, dropped };
}
