import { timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the fake control plane answered (never the credentials themselves). */
export interface RecordedControlRequest {
  method: string;
  path: string;
  /** Whether HTTP Basic `projectId:projectSecret` matched (`null` for routes without auth). */
  authorized: boolean | null;
  status: number;
}

export interface ControlPlaneOptions {
  projectId: string;
  projectSecret: string;
  cert: string;
  key: string;
  /**
   * The `data` of a token answer, with tokens the iMessage services will accept: `{ type: "shared",
   * token, expiresIn }` or `{ type: "dedicated", auth, numbers, expiresIn }`.
   */
  issueTokens: () => Record<string, unknown>;
}

const PROJECT_PATH = /^\/projects\/([^/]+)\/(.*)$/;

/**
 * The Spectrum control plane the SDK talks to (`SPECTRUM_CLOUD_URL`) over HTTPS: the project,
 * its platforms, and iMessage token issue. Every answer uses Spectrum's
 * `{ succeed, data | code, message }` envelope.
 */
export class FakeControlPlane {
  readonly requests: RecordedControlRequest[] = [];
  readonly #server: Server;
  #rateLimitedRequests = 0;
  #port = 0;

  readonly #options: ControlPlaneOptions;

  constructor(options: ControlPlaneOptions) {
    this.#options = options;
    this.#server = createServer({ cert: options.cert, key: options.key }, (req, res) =>
      this.#handle(req, res),
    );
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(0, "127.0.0.1", () => resolve());
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `https://127.0.0.1:${this.#port}`;
  }

  /** The next `count` requests get HTTP 429 with Spectrum's rate-limit envelope. */
  rateLimit(count: number): void {
    this.#rateLimitedRequests += count;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    // Drain the body: no route here reads one, but the socket must be left clean for keep-alive.
    req.resume();
    const answer = (status: number, body: unknown, authorized: boolean | null): void => {
      this.requests.push({ method, path, authorized, status });
      const bytes = JSON.stringify(body);
      res.writeHead(status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(bytes),
      });
      res.end(bytes);
    };
    if (this.#rateLimitedRequests > 0) {
      this.#rateLimitedRequests -= 1;
      answer(
        429,
        {
          succeed: false,
          code: "RATE_LIMITED",
          message: "Too many requests: 5 per second per project",
        },
        null,
      );
      return;
    }
    const match = PROJECT_PATH.exec(path);
    if (!match || match[1] !== this.#options.projectId) {
      answer(
        404,
        { succeed: false, code: "NOT_FOUND", message: `No route for ${method} ${path}` },
        null,
      );
      return;
    }
    const rest = match[2];
    if (method === "GET" && rest === "platforms/") {
      answer(200, { succeed: true, data: { imessage: { enabled: true } } }, null);
      return;
    }
    const authorized = this.#isAuthorized(req.headers.authorization);
    const known =
      (method === "GET" && rest === "") || (method === "POST" && rest === "imessage/tokens");
    if (!known) {
      answer(
        404,
        { succeed: false, code: "NOT_FOUND", message: `No route for ${method} ${path}` },
        authorized,
      );
      return;
    }
    if (!authorized) {
      answer(
        401,
        { succeed: false, code: "UNAUTHORIZED", message: "Invalid project credentials" },
        false,
      );
      return;
    }
    if (rest === "") {
      answer(
        200,
        {
          succeed: true,
          data: {
            id: this.#options.projectId,
            name: "Spectrum fake project",
            profile: { imessageSynced: false },
          },
        },
        true,
      );
      return;
    }
    answer(200, { succeed: true, data: this.#options.issueTokens() }, true);
  }

  #isAuthorized(header: string | undefined): boolean {
    const expected = Buffer.from(
      `Basic ${Buffer.from(`${this.#options.projectId}:${this.#options.projectSecret}`).toString("base64")}`,
    );
    const given = Buffer.from(header ?? "");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
