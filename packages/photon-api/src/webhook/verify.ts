import { createHmac, timingSafeEqual } from "node:crypto";

/** Why a delivery was rejected (docs/contract/photon.md#webhook-signatures). */
export type WebhookRejectReason = "missing-headers" | "expired" | "signature-mismatch";

export type WebhookVerifyResult = { ok: true } | { ok: false; reason: WebhookRejectReason };

/** Header bag: a plain object (node:http `IncomingHttpHeaders` fits) or a WHATWG `Headers`. */
export type WebhookHeaders =
  Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyWebhookSignatureOptions {
  headers: WebhookHeaders;
  /** The exact bytes Photon sent; never a re-serialised object. */
  rawBody: Uint8Array | string;
  /** The signing secret returned once by webhook registration. */
  secret: string;
  /** Current time in milliseconds since the epoch (default `Date.now()`). */
  now?: number;
  /** Allowed clock skew in seconds (default 300). */
  toleranceSeconds?: number;
}

export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

const HEX_64 = /^[0-9a-f]{64}$/i;
const UNIX_SECONDS = /^\d{1,15}$/;

function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  try {
    if (typeof (headers as Headers).get === "function") {
      return (headers as Headers).get(name) ?? undefined;
    }
    const bag = headers as Record<string, unknown>;
    for (const key of Object.keys(bag)) {
      if (key.toLowerCase() !== name) continue;
      const value = bag[key];
      if (typeof value === "string") return value;
      if (Array.isArray(value) && typeof value[0] === "string") return value[0];
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** `"v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + rawBody))`. */
export function computeWebhookSignature(
  secret: string,
  timestamp: string | number,
  rawBody: Uint8Array | string,
): string {
  const mac = createHmac("sha256", secret);
  mac.update(`v0:${String(timestamp)}:`);
  mac.update(typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : rawBody);
  return `v0=${mac.digest("hex")}`;
}

/**
 * Verify a Photon webhook delivery. Never throws: any garbage input yields
 * `{ ok: false, reason }`.
 */
export function verifyWebhookSignature(
  options: VerifyWebhookSignatureOptions,
): WebhookVerifyResult {
  try {
    const { headers, rawBody, secret } = options;
    const timestamp = headerValue(headers, "x-spectrum-timestamp")?.trim();
    const signature = headerValue(headers, "x-spectrum-signature")?.trim();
    if (!timestamp || !signature || !UNIX_SECONDS.test(timestamp)) {
      return { ok: false, reason: "missing-headers" };
    }
    const tolerance = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
    const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
    if (!(Math.abs(nowSeconds - Number(timestamp)) <= tolerance)) {
      return { ok: false, reason: "expired" };
    }
    if (typeof secret !== "string" || secret.length === 0) {
      return { ok: false, reason: "signature-mismatch" };
    }
    const givenHex = signature.startsWith("v0=") ? signature.slice(3) : signature;
    if (!HEX_64.test(givenHex)) return { ok: false, reason: "signature-mismatch" };
    const expected = Buffer.from(
      computeWebhookSignature(secret, timestamp, rawBody).slice(3),
      "hex",
    );
    const given = Buffer.from(givenHex, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected)
      ? { ok: true }
      : { ok: false, reason: "signature-mismatch" };
  } catch {
    return { ok: false, reason: "signature-mismatch" };
  }
}
