// One URL policy for every URL setting: no userinfo (credentials belong in the secret
// settings, and a URL is printed in status output and logs), and no plain ws:// or http:// to a
// host that is not loopback unless the operator explicitly allows it. Loopback is literal:
// 127.0.0.0/8, ::1 and `localhost` — not `*.localhost`, which a resolver may send anywhere.

/** One IPv4 octet as Node's `net.isIPv4` accepts it: 0–255, no leading zero. */
const IPV4_OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;

/**
 * Dotted-quad IPv4, the same acceptance as `net.isIPv4` (node:net is not imported: loading it
 * pulls in the stream stack, a measurable share of a CLI command's start-up).
 */
function isIPv4(host: string): boolean {
  const parts = host.split(".");
  return parts.length === 4 && parts.every((p) => IPV4_OCTET.test(p));
}

/**
 * A DNS label: letters, digits, inner hyphens, 1–63 characters; underscores too, which host names
 * may not hold but container and service names (Docker, Compose) do, and resolvers pass.
 */
const DNS_LABEL = /^\w(?:[\w-]{0,61}\w)?$/;

/**
 * The host an HTTP server may listen on, as written (IPv6 with or without brackets), or null
 * when it is not one: an IPv4 dotted quad, an IPv6 address, or a DNS name whose last label is not
 * numeric (`999.1.1.1` or `10.1` would otherwise reach the resolver, which reads some of them
 * as legacy IPv4 forms and fails on the rest at listen time).
 */
export function listenHost(text: string): string | null {
  const h = text.replace(/^\[(.*)\]$/, "$1");
  // Brackets are for IPv6 only ("[example.com]" is no host).
  if (h !== text && !h.includes(":")) return null;
  if (h.includes(":")) {
    // IPv6: hex digits, colons and an embedded IPv4's dots only (the URL parser alone would take
    // "::1]/x" as "[::1]" with a path), and what the WHATWG URL parser accepts (no zone ids).
    if (!/^[0-9a-f:.]+$/i.test(h)) return null;
    try {
      return new URL(`http://[${h}]/`).hostname !== "" ? h : null;
    } catch {
      return null;
    }
  }
  if (isIPv4(h)) return h;
  const name = h.endsWith(".") ? h.slice(0, -1) : h;
  if (name.length === 0 || name.length > 253) return null;
  const labels = name.split(".");
  if (!labels.every((l) => DNS_LABEL.test(l))) return null;
  return /^\d+$/.test(labels[labels.length - 1]!) ? null : h;
}

/** True for 127.0.0.0/8, ::1 (bracketed or not) and exactly `localhost`. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost") return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  return isIPv4(h) && h.startsWith("127.");
}

export type UrlCheck =
  | { readonly ok: true; readonly url: URL }
  | {
      readonly ok: false;
      readonly reason: "invalid" | "scheme" | "userinfo" | "insecure" | "query";
      readonly detail: string;
    };

export interface UrlPolicy {
  /** Accepted schemes with the colon, e.g. `["wss:", "ws:"]`. */
  readonly schemes: readonly string[];
  /** Plain ws:// / http:// to a non-loopback host is accepted (the operator said so). */
  readonly allowInsecure: boolean;
  /** How the operator allows it, for the message, e.g. "set GATEWAY_ALLOW_INSECURE_URLS=1". */
  readonly insecureOverride: string;
  /**
   * A base URL that paths are appended to (the relay URL: `/relay`, `/relay/policy`, …): a query
   * or fragment is refused, as the relay link itself would refuse it when it dials.
   */
  readonly base?: boolean;
}

const PLAIN = new Set(["ws:", "http:"]);

/** Checks `raw` against the policy. Never throws; a refusal's detail never contains userinfo or a query. */
export function checkUrl(raw: string, policy: UrlPolicy): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "invalid", detail: `expected a ${schemeList(policy.schemes)} URL` };
  }
  if (!policy.schemes.includes(url.protocol)) {
    return {
      ok: false,
      reason: "scheme",
      detail: `expected a ${schemeList(policy.schemes)} URL, got a ${url.protocol}// URL`,
    };
  }
  if (url.username !== "" || url.password !== "") {
    return {
      ok: false,
      reason: "userinfo",
      detail: `credentials in a URL (${displayUrl(raw)}) are refused; remove the user:password@ part and use the secret settings`,
    };
  }
  if (policy.base === true && (url.search !== "" || url.hash !== "")) {
    return {
      ok: false,
      reason: "query",
      detail: `a base URL (${displayUrl(raw)}) must not carry a query or fragment: paths are appended to it`,
    };
  }
  if (PLAIN.has(url.protocol) && !isLoopbackHost(url.hostname) && !policy.allowInsecure) {
    const secure = url.protocol === "ws:" ? "wss://" : "https://";
    return {
      ok: false,
      reason: "insecure",
      detail: `plain ${url.protocol}// to ${url.host}, which is not loopback, is refused: use ${secure}, or ${policy.insecureOverride} if this network path is trusted`,
    };
  }
  return { ok: true, url };
}

/**
 * A URL as it may be printed: userinfo, query and fragment shown as `<hidden>` (each may carry a
 * token), `"<invalid URL>"` for text that does not parse (it is not echoed).
 */
export function displayUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return "<invalid URL>";
  }
  const userinfo = u.username !== "" || u.password !== "" ? "<hidden>@" : "";
  const path = u.pathname === "/" ? "" : u.pathname;
  return `${u.protocol}//${userinfo}${u.host}${path}${u.search ? "?<hidden>" : ""}${u.hash ? "#<hidden>" : ""}`;
}

function schemeList(schemes: readonly string[]): string {
  const names = schemes.map((s) => `${s}//`);
  return names.length <= 1
    ? (names[0] ?? "")
    : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

/**
 * `text` without its trailing `/`s. A loop, not `/\/+$/`: that regex restarts at every `/` of
 * a long run and fails at its end each time (quadratic on a string of slashes).
 */
export function stripTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end--;
  return text.slice(0, end);
}
