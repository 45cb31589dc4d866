// The client never reads an answer past its cap: a real server streams a body far larger than
// the cap, and must see its socket closed long before it has written it all.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_MAX_RESPONSE_BYTES, PhotonApiError, PhotonClient } from "../src/index.js";

const MiB = 1024 * 1024;
const TOTAL = 256 * MiB;

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

interface Streamed {
  /** Resolves with the bytes written when the client closed the socket (or all were written). */
  closed: Promise<{ written: number; finished: boolean }>;
}

/** A server answering every request with 200 and `TOTAL` bytes of a JSON-ish body, written with backpressure. */
async function oversizedServer(opts: {
  contentLength: boolean;
}): Promise<{ baseUrl: string; requests: Streamed[] }> {
  const requests: Streamed[] = [];
  server = createServer((req, res: ServerResponse) => {
    let written = 0;
    let finished = false;
    const closed = new Promise<{ written: number; finished: boolean }>((resolve) => {
      res.on("close", () => resolve({ written, finished }));
    });
    requests.push({ closed });
    res.writeHead(200, {
      "content-type": "application/json",
      ...(opts.contentLength ? { "content-length": String(TOTAL) } : {}),
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (written < TOTAL && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      if (written >= TOTAL) {
        finished = true;
        res.end();
      }
    };
    pump();
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe("response body cap", () => {
  it("defaults to 4 MiB", () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(4 * MiB);
  });

  for (const contentLength of [false, true]) {
    it(`a 256 MiB answer (${contentLength ? "with" : "without"} content-length) fails PHOTON_RESPONSE_TOO_LARGE and the connection is closed early`, async () => {
      const { baseUrl, requests } = await oversizedServer({ contentLength });
      const client = new PhotonClient({
        dashboardHost: baseUrl,
        spectrumHost: baseUrl,
        maxResponseBytes: MiB,
        maxRetries: 3,
        sleep: async () => {},
      });
      const error = await client.listProjects("tok").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PhotonApiError);
      expect(error).toMatchObject({ code: "PHOTON_RESPONSE_TOO_LARGE", status: 200 });
      expect((error as Error).message).toContain("GET /api/projects/");
      expect((error as Error).message).not.toContain("tok");
      // Not retried: a too-large answer is not a transient failure.
      expect(requests).toHaveLength(1);
      const { written, finished } = await requests[0]!.closed;
      expect(finished).toBe(false);
      // The cap plus what socket buffers hold in flight, nowhere near the whole body.
      expect(written).toBeLessThan(TOTAL / 8);
    });
  }

  it("an answer within the cap is read whole", async () => {
    const body = JSON.stringify([{ id: "p1", name: "x".repeat(MiB - 100) }]);
    server = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(body),
    );
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new PhotonClient({ dashboardHost: baseUrl, maxResponseBytes: MiB });
    expect(await client.listProjects("tok")).toEqual([{ id: "p1", name: "x".repeat(MiB - 100) }]);
  });

  it("rejects a cap that is not a positive whole number", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new PhotonClient({ maxResponseBytes: bad })).toThrow(
        expect.objectContaining({ code: "PHOTON_INVALID_INPUT" }),
      );
    }
  });
});
