// RelayMediaClient over loopback: against the ReferenceConnector's media store (bearer checked
// there) and against hostile servers standing in for a connector (redirects, size lies, stalls).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pruneMediaCache, RelayMediaClient, type RelayMediaClientOptions } from "../src/index.js";
import { publishMedia, ReferenceConnector } from "../src/testing/index.js";

const GW = "gw-media";
const SECRET = "media-test-secret-0123456789";
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "relay-media-"));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function connector(): Promise<ReferenceConnector> {
  const c = await new ReferenceConnector({ gateways: { [GW]: [SECRET] } }).start();
  cleanups.push(() => c.stop());
  return c;
}

function client(baseUrl: string, over: Partial<RelayMediaClientOptions> = {}): RelayMediaClient {
  return new RelayMediaClient({
    baseUrl,
    gatewayId: GW,
    secret: SECRET,
    cacheDir: join(tempDir(), "cache"),
    ...over,
  });
}

/** A server standing in for a connector; records every request it gets. */
async function hostile(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  server.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const cacheFiles = (m: RelayMediaClient): string[] => {
  try {
    return readdirSync(m.cacheDir);
  } catch {
    return [];
  }
};

describe("download: a connector reference into the cache", () => {
  it("streams the bytes with the bearer, names the file by id and type, and serves a second ask from the cache", async () => {
    const c = await connector();
    const bytes = Buffer.from("\x89PNG fake image bytes");
    const { id, url } = publishMedia(c, bytes, { contentType: "image/png" });
    const m = client(c.baseUrl);
    const first = await m.download(url, { mime: "image/png" });
    expect(first).toMatchObject({ ok: true, size: bytes.length, cached: false });
    if (!first.ok) throw new Error("unreachable");
    expect(first.path).toBe(join(m.cacheDir, `${id}.png`));
    expect(readFileSync(first.path)).toEqual(bytes);
    c.media.delete(id); // a second fetch would now 404
    expect(await m.download(url, { mime: "image/png" })).toMatchObject({
      ok: true,
      cached: true,
      path: first.path,
    });
    expect(cacheFiles(m)).toEqual([`${id}.png`]);
  });

  it("a wrong secret is refused by the connector (401) and leaves nothing behind", async () => {
    const c = await connector();
    const { url } = publishMedia(c, Buffer.from("x"));
    const m = client(c.baseUrl, { secret: "not-the-secret" });
    expect(await m.download(url)).toMatchObject({
      ok: false,
      code: "MEDIA_HTTP_STATUS",
      message: expect.stringContaining("401"),
    });
    expect(cacheFiles(m)).toEqual([]);
  });

  it("another origin or path shape is never fetched (the bearer never leaves the connector's origin)", async () => {
    const c = await connector();
    const other = await hostile((_req, res) => res.end("x"));
    const m = client(c.baseUrl);
    const port = new URL(c.baseUrl).port;
    const refused = [
      `${other.url}/relay/media/abc`,
      `https://127.0.0.1:${port}/relay/media/abc`,
      `http://localhost:${port}/relay/media/abc`,
      `${c.baseUrl}/relay/media/..%2f..%2fetc%2fpasswd`,
      `${c.baseUrl}/relay/media/a/../../../etc/passwd`,
      `${c.baseUrl}/relay/media/a/b`,
      `${c.baseUrl}/relay/media/`,
      `${c.baseUrl}/relay/media/a.png`,
      `${c.baseUrl}/relay/other/abc`,
      `${c.baseUrl}/relay/media/abc?x=1`,
      `file:///etc/passwd`,
      "not a url",
    ];
    for (const url of refused) {
      expect(await m.download(url), url).toMatchObject({ ok: false, code: "MEDIA_NOT_RELAY_URL" });
      expect(m.isRelayMediaUrl(url), url).toBe(false);
    }
    expect(other.requests).toHaveLength(0);
    expect(cacheFiles(m)).toEqual([]);
  });

  it("a redirect is not followed (it could lead the bearer elsewhere)", async () => {
    const target = await hostile((_req, res) => res.end("secret-stealer"));
    const redirecting = await hostile((_req, res) =>
      res.writeHead(302, { location: `${target.url}/steal` }).end(),
    );
    const m = client(redirecting.url);
    expect(await m.download(`${redirecting.url}/relay/media/abc`)).toMatchObject({
      ok: false,
      code: "MEDIA_REDIRECT",
    });
    expect(target.requests).toHaveLength(0);
    expect(cacheFiles(m)).toEqual([]);
  });

  it("a declared size over the cap is refused before the body is read", async () => {
    const big = await hostile((_req, res) => {
      res.writeHead(200, { "content-length": String(26 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
    });
    const m = client(big.url);
    expect(await m.download(`${big.url}/relay/media/big`)).toMatchObject({
      ok: false,
      code: "MEDIA_TOO_LARGE",
      message: expect.stringContaining("27262976"),
    });
    expect(cacheFiles(m)).toEqual([]);
  });

  it("bytes over the cap are refused even when no (or a smaller) size was announced, and the partial file is removed", async () => {
    const liar = await hostile((_req, res) => {
      res.writeHead(200, { "content-type": "image/png" }); // chunked: no Content-Length
      for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000, 1));
      res.end();
    });
    const m = client(liar.url, { maxBytes: 4000 });
    expect(await m.download(`${liar.url}/relay/media/liar`)).toMatchObject({
      ok: false,
      code: "MEDIA_TOO_LARGE",
    });
    expect(cacheFiles(m)).toEqual([]);
  });

  it("a stalled body times out and leaves no partial file; an empty body is an error", async () => {
    const stalling = await hostile((req, res) => {
      if (req.url?.endsWith("/empty"))
        return void res.writeHead(200, { "content-length": "0" }).end();
      res.writeHead(200);
      res.write("first bytes then nothing");
    });
    const m = client(stalling.url, { stallMs: 200 });
    expect(await m.download(`${stalling.url}/relay/media/slow`)).toMatchObject({
      ok: false,
      code: "MEDIA_TIMEOUT",
    });
    // The empty answer is checked without the short stall bound: a loaded machine may take
    // longer than 200 ms to answer at all, and that is not what this half tests.
    const patient = client(stalling.url);
    expect(await patient.download(`${stalling.url}/relay/media/empty`)).toMatchObject({
      ok: false,
      code: "MEDIA_EMPTY",
    });
    expect(cacheFiles(m)).toEqual([]);
    expect(cacheFiles(patient)).toEqual([]);
  });

  it("an aborted turn stops the download", async () => {
    const stalling = await hostile((_req, res) => void res.writeHead(200).write("x"));
    const m = client(stalling.url);
    const ac = new AbortController();
    const p = m.download(`${stalling.url}/relay/media/x`, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    expect(await p).toMatchObject({ ok: false, code: "MEDIA_ABORTED" });
  });
});

describe("upload: a local file to /relay/media", () => {
  it("posts the bytes with the bearer, type and file name; the reference points at the stored object", async () => {
    const c = await connector();
    const dir = tempDir();
    const file = join(dir, "chart.png");
    writeFileSync(file, Buffer.from("png-bytes"));
    const m = client(c.baseUrl);
    const r = await m.upload(file);
    expect(r).toMatchObject({ ok: true, size: 9 });
    if (!r.ok) throw new Error("unreachable");
    expect(r.url).toBe(`${c.baseUrl}/relay/media/${r.id}`);
    expect(c.media.get(r.id)).toEqual({
      bytes: Buffer.from("png-bytes"),
      contentType: "image/png",
      filename: "chart.png",
    });
    // And the reference downloads back to the same bytes.
    const back = await m.download(r.url);
    expect(back.ok && readFileSync(back.path).toString()).toBe("png-bytes");
  });

  it("refuses missing, empty and oversized files locally, and reports the connector's refusal", async () => {
    const c = await connector();
    const dir = tempDir();
    writeFileSync(join(dir, "empty.txt"), "");
    writeFileSync(join(dir, "big.bin"), Buffer.alloc(2000));
    const m = client(c.baseUrl, { maxBytes: 1000 });
    expect(await m.upload(join(dir, "missing.txt"))).toMatchObject({
      ok: false,
      code: "MEDIA_FILE",
    });
    expect(await m.upload(dir)).toMatchObject({ ok: false, code: "MEDIA_FILE" });
    expect(await m.upload(join(dir, "empty.txt"))).toMatchObject({
      ok: false,
      code: "MEDIA_EMPTY",
    });
    expect(await m.upload(join(dir, "big.bin"))).toMatchObject({
      ok: false,
      code: "MEDIA_TOO_LARGE",
    });
    writeFileSync(join(dir, "ok.txt"), "ok");
    expect(await client(c.baseUrl, { secret: "wrong" }).upload(join(dir, "ok.txt"))).toMatchObject({
      ok: false,
      code: "MEDIA_HTTP_STATUS",
    });
    expect(c.media.size).toBe(0);
  });

  it("an endless answer (2xx or not) is not read past 64 KiB: MEDIA_BAD_RESPONSE / the status", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "ok.txt"), "ok");
    const chunk = Buffer.alloc(256 * 1024, "x");
    const cut: Promise<void>[] = [];
    let n = 0;
    const h = await hostile((req, res) => {
      req.resume();
      res.writeHead(n++ === 0 ? 200 : 500, { "content-type": "application/json" });
      // Endless at a bounded rate: without the cap the upload would run into its timeout.
      const pump = setInterval(() => {
        if (!res.writableNeedDrain) res.write(chunk);
      }, 5);
      cut.push(new Promise((r) => res.once("close", () => r(clearInterval(pump)))));
    });
    const m = client(h.url, { timeoutMs: 60_000 });
    expect(await m.upload(join(dir, "ok.txt"))).toMatchObject({
      ok: false,
      code: "MEDIA_BAD_RESPONSE",
    });
    expect(await m.upload(join(dir, "ok.txt"))).toMatchObject({
      ok: false,
      code: "MEDIA_HTTP_STATUS",
    });
    await Promise.all(cut); // the client stopped reading each answer
  });
});

describe("pruneMediaCache", () => {
  it("removes files past the age bound, then the least recently used over the size bound, never the one kept", () => {
    const dir = tempDir();
    const now = Date.now();
    const put = (name: string, size: number, ageMs: number): string => {
      const p = join(dir, name);
      writeFileSync(p, Buffer.alloc(size));
      const t = new Date(now - ageMs);
      utimesSync(p, t, t);
      return p;
    };
    put("ancient", 10, 10_000);
    put("old", 100, 3_000);
    put("mid", 100, 2_000);
    const kept = put("new", 100, 0);
    put("empty-recent", 0, 1_000);
    expect(pruneMediaCache(dir, { maxAgeMs: 5_000, maxBytes: 150 }, now, kept).removed).toBe(3);
    expect(readdirSync(dir).sort()).toEqual(["empty-recent", "new"]);
    // One file over the whole bound is kept when it is the one just downloaded.
    expect(pruneMediaCache(dir, { maxBytes: 10 }, now, kept).removed).toBe(1);
    expect(statSync(kept).size).toBe(100);
  });
});
