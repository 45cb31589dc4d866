// The agent protocol v2 (docs/contract/agent-protocol.md): one JSON event per line. Parsing is a
// trust boundary (an agent is a separate program): every line becomes a typed event, a skip
// (blank line, unknown type) or a typed error, never an exception.
import { isMediaKind, type MediaKind } from "@hermes/relay-adapter";

export interface PromptOption {
  readonly id: string;
  readonly label: string;
}

export type AgentOutputEvent =
  | { readonly type: "delta"; readonly text: string }
  | { readonly type: "message"; readonly text: string }
  | {
      readonly type: "media";
      readonly path: string;
      readonly kind: MediaKind;
      readonly caption?: string | undefined;
    }
  | {
      readonly type: "prompt";
      readonly prompt_id: string;
      readonly content: string;
      readonly options: readonly PromptOption[];
    };

export type AgentLine =
  | { readonly kind: "event"; readonly event: AgentOutputEvent }
  | { readonly kind: "skip"; readonly why: "blank" }
  | { readonly kind: "unknown"; readonly type: string }
  | { readonly kind: "malformed"; readonly message: string };

/** Prompt and option ids: the alphabet a button's custom id carries (docs/contract/relay.md#discord-passthrough: `hp1:<prompt>:<option>`). */
const PROMPT_ID = /^[\w.-]{1,32}$/;
/** More buttons than a chat shows in a row or two is a list, not a prompt. */
export const MAX_PROMPT_OPTIONS = 10;

const isBlank = (line: string): boolean => {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
};

function malformed(message: string): AgentLine {
  return { kind: "malformed", message };
}

export function parseAgentLine(line: string): AgentLine {
  if (isBlank(line)) return { kind: "skip", why: "blank" };
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return malformed("a line is not JSON");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    return malformed("a line is not a JSON object");
  const o = v as Record<string, unknown>;
  const type = o["type"];
  if (typeof type !== "string") return malformed('a line has no string "type"');
  switch (type) {
    case "delta":
    case "message": {
      const text = o["text"];
      if (typeof text !== "string") return malformed(`a "${type}" event has no string "text"`);
      return { kind: "event", event: { type, text } };
    }
    case "media": {
      const path = o["path"];
      const kind = o["kind"];
      const caption = o["caption"];
      if (typeof path !== "string" || path === "")
        return malformed('a "media" event has no "path"');
      if (!isMediaKind(kind))
        return malformed('a "media" event\'s "kind" is not image, voice, audio, video or document');
      if (caption !== undefined && caption !== null && typeof caption !== "string")
        return malformed('a "media" event\'s "caption" is not a string');
      return {
        kind: "event",
        event: { type, path, kind, ...(typeof caption === "string" ? { caption } : {}) },
      };
    }
    case "prompt": {
      const promptId = o["prompt_id"];
      const content = o["content"];
      const options = o["options"];
      if (typeof promptId !== "string" || !PROMPT_ID.test(promptId))
        return malformed('a "prompt" event\'s "prompt_id" is not 1-32 of [A-Za-z0-9_.-]');
      if (typeof content !== "string") return malformed('a "prompt" event has no string "content"');
      if (!Array.isArray(options) || options.length === 0 || options.length > MAX_PROMPT_OPTIONS) {
        return malformed(`a "prompt" event needs 1 to ${MAX_PROMPT_OPTIONS} "options"`);
      }
      const parsed: PromptOption[] = [];
      const seen = new Set<string>();
      for (const opt of options as unknown[]) {
        const id = (opt as { id?: unknown } | null)?.id;
        const label = (opt as { label?: unknown } | null)?.label;
        if (typeof id !== "string" || !PROMPT_ID.test(id) || seen.has(id))
          return malformed('a prompt option\'s "id" is not a unique 1-32 of [A-Za-z0-9_.-]');
        if (typeof label !== "string" || label === "")
          return malformed('a prompt option has no "label"');
        seen.add(id);
        parsed.push({ id, label });
      }
      return { kind: "event", event: { type, prompt_id: promptId, content, options: parsed } };
    }
    default:
      return { kind: "unknown", type };
  }
}
