import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FakeControlPlane, type RecordedControlRequest } from "./control-plane.js";
import { FakeImessageLine } from "./fake-line.js";
import { FakeIMessageService } from "./imessage-service.js";
import { TEST_CA_CERT_PEM, TEST_SERVER_CERT_PEM, TEST_SERVER_KEY_PEM } from "./test-ca.js";

export {
  FakeImessageLine,
  SpectrumFakeTimeoutError,
  type PushedInbound,
  type RecordedAttachmentSend,
} from "./fake-line.js";

/** A dedicated line the fake serves. */
export interface FakeDedicatedLine {
  instanceId: string;
  phone: string;
  /** Whether the token endpoint lists it from the start (`issueLine()` adds it later). Default true. */
  issued?: boolean;
}

export interface SpectrumFakeOptions {
  /** Default: a random `proj_…` id. */
  projectId?: string;
  /** Default: 32 random bytes, hex. */
  projectSecret?: string;
  /** How often every open `Subscribe*` stream gets a heartbeat frame. Default 1 000 ms. */
  heartbeatIntervalMs?: number;
  /** `expiresIn` of issued tokens. Default 3 600 s. */
  tokenTtlSeconds?: number;
  /**
   * Serve the project as one dedicated line instead of the shared one: the token endpoint answers
   * `{ type: "dedicated", auth: { [instanceId]: token }, numbers: { [instanceId]: phone } }` and the
   * gRPC services are that line's (at `dedicatedLineAddress`). The same as `dedicatedLines: [line]`.
   */
  dedicatedLine?: { instanceId: string; phone: string };
  /**
   * Serve the project as several dedicated lines, each with its own gRPC services on its own port
   * (own event log and sequence numbers, own tokens, own sends). The fake's own methods (`push`,
   * `sends`, …) act on the first line; `line(instanceId)` gives each line's. Lines with
   * `issued: false` are served but not listed by the token endpoint until `issueLine()`.
   */
  dedicatedLines?: readonly FakeDedicatedLine[];
  /**
   * With `dedicatedLines`: serve the shared line too (first, at `imessageAddress`; the fake's own
   * methods act on it). The token endpoint answers with the shared line while no dedicated line is
   * issued, so `issueLine()` / `withdrawLine()` switch the project between shared and dedicated.
   */
  sharedLine?: boolean;
  now?: () => Date;
}

/**
 * A local Spectrum that the unmodified `spectrum-ts` SDK can run against: the HTTPS control plane
 * (`SPECTRUM_CLOUD_URL`) and the iMessage gRPC services over TLS (`SPECTRUM_IMESSAGE_ADDRESS`),
 * both on 127.0.0.1 with the committed TEST-ONLY certificate. Tests push inbound messages, read
 * what was sent, and switch faults on: silence heartbeats, drop or freeze streams, forget old
 * events, rate-limit, fail sends ambiguously. Its own scripting methods act on its first line (the
 * shared one, or the first dedicated one); `line(instanceId)` scripts any dedicated line.
 */
export class SpectrumFake extends FakeImessageLine {
  readonly projectId: string;
  readonly projectSecret: string;
  /** The test CA the fake's certificate chains to: what a client must trust. */
  readonly caCertPem = TEST_CA_CERT_PEM;
  readonly #controlPlane: FakeControlPlane;
  readonly #served: ServedLines;

  private constructor(
    projectId: string,
    projectSecret: string,
    controlPlane: FakeControlPlane,
    served: ServedLines,
  ) {
    const [first] = served.lines;
    if (!first) throw new RangeError("the Spectrum fake serves at least one line");
    super(first.service, served.now, served.nextGuid, first.identity);
    this.projectId = projectId;
    this.projectSecret = projectSecret;
    this.#controlPlane = controlPlane;
    this.#served = served;
  }

  static async start(options: SpectrumFakeOptions = {}): Promise<SpectrumFake> {
    const projectId = options.projectId ?? `proj_${randomBytes(6).toString("hex")}`;
    const projectSecret = options.projectSecret ?? randomBytes(32).toString("hex");
    const served = new ServedLines(
      dedicatedLinesOf(options),
      options.sharedLine === true,
      options.heartbeatIntervalMs ?? 1000,
      options.now ?? (() => new Date()),
    );
    const ttl = options.tokenTtlSeconds ?? 3600;
    const controlPlane = new FakeControlPlane({
      projectId,
      projectSecret,
      cert: TEST_SERVER_CERT_PEM,
      key: TEST_SERVER_KEY_PEM,
      issueTokens: () => served.issueTokens(ttl),
    });
    const fake = new SpectrumFake(projectId, projectSecret, controlPlane, served);
    try {
      await controlPlane.listen();
      for (const line of served.lines)
        await line.service.listen(TEST_SERVER_CERT_PEM, TEST_SERVER_KEY_PEM);
    } catch (error) {
      await fake.close();
      throw error;
    }
    return fake;
  }

  /** `https://127.0.0.1:<port>`: give it to the SDK as `SPECTRUM_CLOUD_URL`. */
  get cloudUrl(): string {
    return this.#controlPlane.url;
  }

  /** `127.0.0.1:<port>`: give it to the SDK as `SPECTRUM_IMESSAGE_ADDRESS` (the first line's services). */
  get imessageAddress(): string {
    return this.service.address;
  }

  /**
   * Where the dedicated lines are served: give it to the channel as `dedicatedLineAddress`. With
   * one line, its address (no `{instance}`: every line goes there); with several, one
   * `instanceId=127.0.0.1:<port>` pair per line (issued or not), comma-separated.
   */
  get dedicatedLineAddress(): string {
    const dedicated = this.#served.lines.filter((line) => line.identity !== null);
    if (dedicated.length === 0) return this.service.address;
    if (dedicated.length === 1) return dedicated[0]?.service.address ?? "";
    return dedicated
      .map((line) => `${line.identity?.instanceId ?? ""}=${line.service.address}`)
      .join(",");
  }

  /** Every line the fake serves (the shared one, or each dedicated one, issued or not), in order. */
  get lines(): readonly FakeImessageLine[] {
    return this.#served.lines.map((line) => this.line(line.identity?.instanceId ?? null));
  }

  /** A dedicated line's handle (the fake itself for its first line). Throws `RangeError` for an unknown id. */
  line(instanceId: string | null): FakeImessageLine {
    const served = this.#served.find(instanceId);
    if (served === this.#served.lines[0]) return this;
    served.handle ??= new FakeImessageLine(
      served.service,
      this.#served.now,
      this.#served.nextGuid,
      served.identity,
    );
    return served.handle;
  }

  /** Instance ids the token endpoint lists now, in order. */
  get issuedLines(): string[] {
    return this.#served.lines
      .filter((line) => line.identity !== null && line.issued)
      .map((line) => line.identity?.instanceId ?? "");
  }

  /** The token endpoint lists this dedicated line from its next answer on (as when Photon adds one). */
  issueLine(instanceId: string): void {
    this.#served.find(instanceId).issued = true;
  }

  /**
   * The token endpoint stops listing this dedicated line (as when it is taken off the project): its
   * tokens stop working (`UNAUTHENTICATED`) and its open streams end with `UNAVAILABLE`.
   */
  withdrawLine(instanceId: string): void {
    const line = this.#served.find(instanceId);
    line.issued = false;
    line.tokens.clear();
    line.service.dropStreams();
  }

  /** Writes the test CA to `dir/spectrum-fake-ca.pem` and returns the path. */
  async writeCaFile(dir: string): Promise<string> {
    const path = join(dir, "spectrum-fake-ca.pem");
    await writeFile(path, TEST_CA_CERT_PEM, { mode: 0o644 });
    return path;
  }

  /**
   * The environment an SDK process needs to reach this fake. The SDK and grpc-js read these when
   * they load (and Node reads `NODE_EXTRA_CA_CERTS` at start), so they belong in a fresh process.
   * The proxy variables are blanked: grpc-js would otherwise tunnel 127.0.0.1 through them.
   */
  sdkEnvironment(caFile: string): Record<string, string> {
    return {
      SPECTRUM_CLOUD_URL: this.cloudUrl,
      SPECTRUM_IMESSAGE_ADDRESS: this.imessageAddress,
      GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: caFile,
      NODE_EXTRA_CA_CERTS: caFile,
      grpc_proxy: "",
      https_proxy: "",
      http_proxy: "",
      HTTPS_PROXY: "",
      HTTP_PROXY: "",
      no_grpc_proxy: "*",
    };
  }

  /** Control-plane requests (method, path, whether Basic auth matched, status). */
  get controlRequests(): readonly RecordedControlRequest[] {
    return this.#controlPlane.requests;
  }

  /** The next `count` control-plane requests get HTTP 429. */
  rateLimitControlPlane(count: number): void {
    this.#controlPlane.rateLimit(count);
  }

  /** Every token issued so far stops working (UNAUTHENTICATED), as after a server-side expiry. */
  revokeTokens(): void {
    for (const line of this.#served.lines) line.tokens.clear();
  }

  async close(): Promise<void> {
    await Promise.allSettled([
      ...this.#served.lines.map((line) => line.service.close()),
      this.#controlPlane.close(),
    ]);
  }
}

interface ServedLine {
  readonly identity: { instanceId: string; phone: string } | null;
  readonly service: FakeIMessageService;
  /** Tokens this line's services accept. */
  readonly tokens: Set<string>;
  issued: boolean;
  handle?: FakeImessageLine;
}

/** The lines behind the fake, their tokens, and the GUID counter they share (GUIDs are unique across lines). */
class ServedLines {
  readonly lines: ServedLine[];
  #guidCounter = 0;

  constructor(
    dedicated: readonly FakeDedicatedLine[] | null,
    alsoShared: boolean,
    heartbeatIntervalMs: number,
    readonly now: () => Date,
  ) {
    const serve = (identity: ServedLine["identity"], issued: boolean): ServedLine => {
      const tokens = new Set<string>();
      const service = new FakeIMessageService({
        heartbeatIntervalMs,
        isTokenValid: (token) => tokens.has(token),
        now,
        nextGuid: this.nextGuid,
      });
      return { identity, service, tokens, issued };
    };
    this.lines = [
      ...(dedicated === null || alsoShared ? [serve(null, true)] : []),
      ...(dedicated ?? []).map((line) =>
        serve({ instanceId: line.instanceId, phone: line.phone }, line.issued !== false),
      ),
    ];
  }

  readonly nextGuid = (prefix: string): string => {
    this.#guidCounter += 1;
    return `fake-${prefix}-${this.#guidCounter.toString().padStart(6, "0")}`;
  };

  find(instanceId: string | null): ServedLine {
    const line = this.lines.find((l) => (l.identity?.instanceId ?? null) === instanceId);
    if (!line) throw new RangeError(`the Spectrum fake serves no line ${String(instanceId)}`);
    return line;
  }

  /** The token endpoint's `data`: a shared token, or one token per issued dedicated line. */
  issueTokens(expiresIn: number): Record<string, unknown> {
    const mint = (line: ServedLine): string => {
      const token = `fake_imsg_${randomBytes(16).toString("hex")}`;
      line.tokens.add(token);
      return token;
    };
    const shared = this.lines.find((line) => line.identity === null);
    const anyDedicatedIssued = this.lines.some((line) => line.identity !== null && line.issued);
    if (shared && !anyDedicatedIssued) return { type: "shared", token: mint(shared), expiresIn };
    const auth: Record<string, string> = {};
    const numbers: Record<string, string> = {};
    for (const line of this.lines) {
      if (!line.issued || line.identity === null) continue;
      auth[line.identity.instanceId] = mint(line);
      numbers[line.identity.instanceId] = line.identity.phone;
    }
    return { type: "dedicated", auth, numbers, expiresIn };
  }
}

function dedicatedLinesOf(options: SpectrumFakeOptions): readonly FakeDedicatedLine[] | null {
  if (options.dedicatedLine && options.dedicatedLines)
    throw new RangeError("give the Spectrum fake dedicatedLine or dedicatedLines, not both");
  const lines = options.dedicatedLines ?? (options.dedicatedLine ? [options.dedicatedLine] : null);
  if (lines === null) return null;
  if (lines.length === 0) throw new RangeError("dedicatedLines needs at least one line");
  const ids = new Set(lines.map((line) => line.instanceId));
  if (ids.size !== lines.length) throw new RangeError("dedicatedLines has a repeated instanceId");
  return lines;
}
