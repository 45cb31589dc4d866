// Calls to a ReferenceConnector's control API (/dev/*) as an authorized local client makes
// them: the per-run control token, and JSON bodies declared as JSON.
import type { ReferenceConnector } from "../../src/testing/index.js";

/** GET `path` (e.g. "/state") with the control token. */
export function controlGet(
  c: ReferenceConnector,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  return fetch(`${c.controlUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${c.controlToken}`, ...init.headers },
  });
}

/** POST `body` (a string is sent as is) to `path` (e.g. "/inbound") as JSON with the control token. */
export function controlPost(c: ReferenceConnector, path: string, body: unknown): Promise<Response> {
  return fetch(`${c.controlUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${c.controlToken}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
