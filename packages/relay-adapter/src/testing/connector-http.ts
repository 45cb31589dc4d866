// The reference connector's HTTP side: the routes a gateway calls (enroll, provision,
// policy, media: docs/contract/relay.md#connector-http-routes) and the control API for people
// and other languages (/dev/*). Every route caps its body, answers JSON, and never throws.
//
// The control API can inject messages and revoke gateways, and it listens on a developer's
// machine where any web page can send it requests. So it answers only a caller that holds the
// per-run control token, names the connector itself in `Host` (a DNS-rebound name does not),
// sends no foreign `Origin`, and POSTs `application/json` (a form or `text/plain` a page can
// send without a preflight is refused before anything is read).
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConnectorState, OutboundRecord, PushResult } from "./connector-types.js";
import type { WireMessageEvent } from "../protocol/types.js";
import { mintSecret } from "./secrets.js";

export type HttpRoute = "enroll" | "provision" | "policy" | "media";

/**
 * What the routes need from the connector (ReferenceConnector implements it). An interface
 * rather than the class, so this module does not import the connector that imports it.
 */
export interface ConnectorHttpHost {
  readonly baseUrl: string;
  readonly controlToken: string;
  readonly identityTokens: readonly string[] | undefined;
  readonly failures: Map<HttpRoute, { status: number; body: unknown }>;
  readonly enrollmentTokens: Map<string, { tenant: string }>;
  readonly deliveryKeys: Map<string, string>;
  readonly media: Map<string, { bytes: Buffer; contentType: string; filename: string | null }>;
  readonly outbound: OutboundRecord[];
  readonly policies: Record<string, unknown>[];
  readonly provisions: Record<string, unknown>[];
  emit(event: string, arg: unknown): boolean;
  addGateway(gatewayId: string, secrets: string[]): void;
  hasGateway(gatewayId: string): boolean;
  authenticate(
    authorization: string | undefined,
  ): { gatewayId: string } | { error: "unauthorized" | "expired" };
  setWakeUrl(gatewayId: string, url: string | null): void;
  dropConnections(): void;
  revoke(gatewayId: string): void;
  pushInbound(event: WireMessageEvent, opts: { gatewayId?: string }): PushResult;
  pushInterrupt(sessionKey: string, chatId: string, opts: { gatewayId?: string }): PushResult;
  pushDiscordInteraction(
    interaction: Record<string, unknown>,
    opts: { gatewayId?: string; profile?: string },
  ): PushResult;
  issueEnrollmentToken(opts?: { tenant?: string }): string;
  snapshot(): ConnectorState;
}

const JSON_CAP = 1024 * 1024;
/** docs/contract/relay.md#media: size in (0, 25 MiB]. */
export const MEDIA_CAP = 25 * 1024 * 1024;

class TooLarge extends Error {}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    })
    .end(text);
}

async function readBody(req: IncomingMessage, cap: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > cap) throw new TooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > cap) throw new TooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Record<string, unknown> | null> {
  let raw: Buffer;
  try {
    raw = await readBody(req, JSON_CAP);
  } catch (e) {
    if (e instanceof TooLarge) {
      req.resume();
      send(res, 413, { error: "request body too large" });
    } else send(res, 400, { error: "request body could not be read" });
    return null;
  }
  try {
    const v: unknown = JSON.parse(raw.toString("utf8"));
    if (typeof v === "object" && v !== null && !Array.isArray(v))
      return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  send(res, 400, { error: "invalid JSON body" });
  return null;
}

function bearer(req: IncomingMessage): string {
  const h = req.headers.authorization;
  return h?.startsWith("Bearer ") ? h.slice(7).trim() : "";
}

function str(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}

/** Mint a gateway's upgrade secret and delivery key, and accept the secret on the link. */
function issueCredentials(
  c: ConnectorHttpHost,
  gatewayId: string,
): { secret: string; deliveryKey: string } {
  const secret = mintSecret();
  const deliveryKey = mintSecret();
  c.addGateway(gatewayId, [secret]);
  c.deliveryKeys.set(gatewayId, deliveryKey);
  return { secret, deliveryKey };
}

/** Route one request. Resolves when answered. */
export async function handleConnectorHttp(
  c: ConnectorHttpHost,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://connector");
  const path = url.pathname;
  const method = req.method ?? "GET";

  const route: HttpRoute | null =
    path === "/relay/enroll"
      ? "enroll"
      : path === "/relay/provision"
        ? "provision"
        : path === "/relay/policy"
          ? "policy"
          : path.startsWith("/relay/media")
            ? "media"
            : null;
  if (route !== null) {
    const failure = c.failures.get(route);
    if (failure !== undefined) {
      c.failures.delete(route);
      req.resume();
      return send(res, failure.status, failure.body);
    }
  }

  if (path === "/relay/enroll" && method === "POST") return enroll(c, req, res);
  if (path === "/relay/provision" && method === "POST") return provision(c, req, res);
  if (path === "/relay/policy" && method === "POST") return policy(c, req, res);
  if (path === "/relay/media" && method === "POST") return uploadMedia(c, req, res);
  if (path.startsWith("/relay/media/") && method === "GET")
    return downloadMedia(c, req, res, path.slice("/relay/media/".length));
  if (path.startsWith("/dev/")) return control(c, req, res, path.slice(4), method);
  if (path === "/healthz") return send(res, 200, { ok: true });
  req.resume();
  send(res, 404, { error: "not found" });
}

/** The JSON body of a connector-route call from an accepted caller identity; null once a 401/4xx was sent. */
async function readIdentifiedJson(
  c: ConnectorHttpHost,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Record<string, unknown> | null> {
  const token = bearer(req);
  if (token === "" || (c.identityTokens !== undefined && !c.identityTokens.includes(token))) {
    req.resume();
    send(res, 401, { error: "caller identity rejected" });
    return null;
  }
  return readJson(req, res);
}

async function enroll(
  c: ConnectorHttpHost,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readIdentifiedJson(c, req, res);
  if (body === null) return;
  const token = str(body["enrollmentToken"]);
  const gatewayId = str(body["gatewayId"]);
  if (gatewayId === null) return send(res, 400, { error: "gatewayId is required" });
  const entry = token === null ? undefined : c.enrollmentTokens.get(token);
  if (token === null || entry === undefined) {
    return send(res, 403, {
      error: "Enrollment token invalid, expired, already used, or tenant mismatch",
    });
  }
  c.enrollmentTokens.delete(token); // single use
  const { secret, deliveryKey } = issueCredentials(c, gatewayId);
  c.emit("enrolled", { gatewayId, tenant: entry.tenant });
  send(res, 200, { secret, deliveryKey, tenant: entry.tenant, gatewayId });
}

async function provision(
  c: ConnectorHttpHost,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readIdentifiedJson(c, req, res);
  if (body === null) return;
  const gatewayId = str(body["gatewayId"]);
  const platform = str(body["platform"]);
  if (gatewayId === null || platform === null)
    return send(res, 400, { error: "gatewayId and platform are required" });
  const routeKeys = Array.isArray(body["routeKeys"])
    ? body["routeKeys"].filter((k) => typeof k === "string")
    : [];
  const record = { ...body };
  c.provisions.push(record);
  c.setWakeUrl(gatewayId, str(body["wakeUrl"]));
  c.emit("provision", record);
  const tenant = "tenant-dev";
  if (c.hasGateway(gatewayId))
    return send(res, 200, { secretIssued: false, tenant, gatewayId, routeKeys });
  const { secret, deliveryKey } = issueCredentials(c, gatewayId);
  send(res, 200, { secret, deliveryKey, tenant, gatewayId, routeKeys });
}

async function policy(
  c: ConnectorHttpHost,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const auth = c.authenticate(req.headers.authorization);
  if ("error" in auth) {
    req.resume();
    return send(res, 401, { error: auth.error });
  }
  const body = await readJson(req, res);
  if (body === null) return;
  const platform = str(body["platform"]);
  const scopes = body["freeResponseScopes"];
  if (
    platform === null ||
    typeof body["requireAddress"] !== "boolean" ||
    typeof body["allowOtherBots"] !== "boolean" ||
    !Array.isArray(scopes) ||
    !scopes.every((s) => typeof s === "string")
  ) {
    return send(res, 400, {
      error: "expected {platform, requireAddress, freeResponseScopes[], allowOtherBots}",
    });
  }
  const record = {
    gatewayId: auth.gatewayId,
    platform,
    requireAddress: body["requireAddress"],
    freeResponseScopes: scopes,
    allowOtherBots: body["allowOtherBots"],
  };
  c.policies.push(record);
  c.emit("policy", record);
  send(res, 200, { ok: true });
}

async function uploadMedia(
  c: ConnectorHttpHost,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const auth = c.authenticate(req.headers.authorization);
  if ("error" in auth) {
    req.resume();
    return send(res, 401, { error: auth.error });
  }
  const filename = req.headers["x-media-filename"];
  if (typeof filename === "string" && filename.length > 255) {
    req.resume();
    return send(res, 400, { error: "X-Media-Filename is longer than 255 characters" });
  }
  let bytes: Buffer;
  try {
    bytes = await readBody(req, MEDIA_CAP);
  } catch (e) {
    req.resume();
    return send(res, e instanceof TooLarge ? 413 : 400, {
      error: e instanceof TooLarge ? "media larger than 25 MiB" : "body could not be read",
    });
  }
  if (bytes.length === 0) return send(res, 400, { error: "empty media" });
  const id = mintSecret().slice(0, 24);
  c.media.set(id, {
    bytes,
    contentType: req.headers["content-type"] ?? "application/octet-stream",
    filename: typeof filename === "string" ? filename : null,
  });
  send(res, 200, { id, size: bytes.length });
}

function downloadMedia(
  c: ConnectorHttpHost,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
): void {
  req.resume();
  const auth = c.authenticate(req.headers.authorization);
  if ("error" in auth) return send(res, 401, { error: auth.error });
  const m = c.media.get(id);
  if (m === undefined) return send(res, 404, { error: "no such media" });
  res
    .writeHead(200, { "content-type": m.contentType, "content-length": m.bytes.length })
    .end(m.bytes);
}

/** Loopback names that cannot be DNS-rebound to another site: accepted in `Host` with our port. */
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/** Why a control request is refused before it is read, or null when it may proceed. */
function controlRefusal(
  c: ConnectorHttpHost,
  req: IncomingMessage,
  method: string,
): { status: number; error: string } | null {
  const own = new URL(c.baseUrl);
  const allowedHosts = new Set([own.host, ...LOOPBACK_NAMES.map((name) => `${name}:${own.port}`)]);
  const host = (req.headers.host ?? "").toLowerCase();
  if (!allowedHosts.has(host))
    return { status: 403, error: `control API: Host must be ${own.host}` };
  // Origin names the page that made a browser send the request; curl and SDKs send none.
  const origin = req.headers.origin;
  if (
    origin !== undefined &&
    ![...allowedHosts].some((h) => origin.toLowerCase() === `http://${h}`)
  ) {
    return { status: 403, error: "control API: cross-origin requests are refused" };
  }
  if (!sameToken(bearer(req), c.controlToken)) {
    return { status: 401, error: "control API: send Authorization: Bearer <controlToken>" };
  }
  if (method === "POST") {
    const mediaType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (mediaType !== "application/json")
      return {
        status: 415,
        error: "control API: POST bodies must be Content-Type: application/json",
      };
  }
  return null;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function control(
  c: ConnectorHttpHost,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  method: string,
): Promise<void> {
  const refusal = controlRefusal(c, req, method);
  if (refusal !== null) {
    req.resume();
    return send(res, refusal.status, { error: refusal.error });
  }
  if (method === "GET") {
    req.resume();
    if (path === "/outbound") return send(res, 200, { outbound: c.outbound });
    if (path === "/state") return send(res, 200, c.snapshot());
    return send(res, 404, { error: "not found" });
  }
  if (method !== "POST") {
    req.resume();
    return send(res, 405, { error: "method not allowed" });
  }
  const body = await readJson(req, res);
  if (body === null) return;
  const gatewayId = str(body["gatewayId"]) ?? undefined;
  const target = gatewayId === undefined ? {} : { gatewayId };
  switch (path) {
    case "/inbound": {
      const event = body["event"];
      if (typeof event !== "object" || event === null || Array.isArray(event))
        return send(res, 400, { error: "expected {event: {...}}" });
      return send(res, 200, c.pushInbound(event as WireMessageEvent, target));
    }
    case "/interrupt": {
      const key = str(body["session_key"]);
      if (key === null) return send(res, 400, { error: "expected {session_key, chat_id}" });
      return send(
        res,
        200,
        c.pushInterrupt(key, typeof body["chat_id"] === "string" ? body["chat_id"] : "", target),
      );
    }
    case "/revoke":
      if (gatewayId === undefined) return send(res, 400, { error: "expected {gatewayId}" });
      c.revoke(gatewayId);
      return send(res, 200, { ok: true });
    case "/drop":
      c.dropConnections();
      return send(res, 200, { ok: true });
    case "/enrollment-token": {
      const tenant = str(body["tenant"]);
      return send(res, 200, {
        enrollmentToken: c.issueEnrollmentToken(tenant === null ? {} : { tenant }),
      });
    }
    case "/interaction": {
      const interaction = body["interaction"];
      if (typeof interaction !== "object" || interaction === null || Array.isArray(interaction)) {
        return send(res, 400, { error: "expected {interaction: {...}}" });
      }
      const profile = str(body["profile"]);
      return send(
        res,
        200,
        c.pushDiscordInteraction(
          interaction as Record<string, unknown>,
          profile === null ? target : { ...target, profile },
        ),
      );
    }
    default:
      return send(res, 404, { error: "not found" });
  }
}
