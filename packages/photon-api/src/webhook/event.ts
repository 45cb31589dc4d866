export type WebhookContent =
  | { type: "text"; text: string }
  | { type: "attachment"; id: string; name: string; mimeType: string; size?: number }
  | { type: "contact"; [key: string]: unknown }
  | { type: "richlink"; url: string }
  | { type: "reaction"; emoji: string; target: unknown }
  | { type: "group"; items: unknown[] }
  /** Unknown content types are kept as-is. */
  | { type: string; [key: string]: unknown };

export interface WebhookSpace {
  id: string;
  platform: string;
  type?: "dm" | "group" | string;
  phone?: string;
  [key: string]: unknown;
}

export interface WebhookMessage {
  id: string;
  platform: string;
  direction: "inbound" | "outbound" | string;
  timestamp: string;
  sender: { id: string; platform: string; [key: string]: unknown };
  space: WebhookSpace;
  content: WebhookContent;
  [key: string]: unknown;
}

export interface WebhookEvent {
  event: string;
  space: WebhookSpace;
  message: WebhookMessage;
  [key: string]: unknown;
}

export type ParseWebhookEventResult =
  { ok: true; event: WebhookEvent } | { ok: false; reason: string };

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === "string" && v.length > 0;

/** Parse a delivery body (string, bytes or decoded JSON). Tolerates extra fields and unknown content types; never throws. */
export function parseWebhookEvent(input: unknown): ParseWebhookEventResult {
  let json: unknown = input;
  try {
    if (typeof input === "string") json = JSON.parse(input);
    else if (input instanceof Uint8Array) json = JSON.parse(Buffer.from(input).toString("utf8"));
  } catch {
    return { ok: false, reason: "body is not valid JSON" };
  }
  if (!isObj(json)) return { ok: false, reason: "body is not a JSON object" };
  if (!isStr(json.event)) return { ok: false, reason: "missing event" };
  const m = json.message;
  if (!isObj(m)) return { ok: false, reason: "missing message" };
  if (!isStr(m.id)) return { ok: false, reason: "missing message.id" };
  if (!isObj(m.sender) || !isStr(m.sender.id))
    return { ok: false, reason: "missing message.sender.id" };
  if (!isObj(m.content) || !isStr(m.content.type))
    return { ok: false, reason: "missing message.content.type" };
  const space = isObj(json.space) ? json.space : isObj(m.space) ? m.space : undefined;
  if (!space || !isStr(space.id)) return { ok: false, reason: "missing space.id" };
  if (m.content.type === "text" && typeof m.content.text !== "string")
    return { ok: false, reason: "text content without text" };
  const message = { ...m, space: isObj(m.space) ? m.space : space } as WebhookMessage;
  return { ok: true, event: { ...json, space, message } as WebhookEvent };
}
